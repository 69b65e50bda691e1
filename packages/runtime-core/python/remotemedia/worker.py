"""The Python side of a multiprocess node: ``python3 -m remotemedia.worker``.

Reads frames from fd 3 and writes frames to fd 4 (stdout and stderr stay free for the node's own
prints and logs). Exits when the host says CLOSE, when fd 3 reaches EOF, or when the parent dies.
``--describe MODULE...`` prints the registered node types as JSON instead.

Two modes. A node whose ``initialize`` and ``process`` return plain values is served by a blocking
read loop on the main thread: read a frame, call the node, write the answer. Measured on the 20 ms
audio frame round trip (bench/python.bench.ts), the asyncio loop (epoll wait, reader callback,
non-blocking read) cost about 15 us of CPU per frame more than that, more than the whole
decode, call and encode. At the first coroutine, generator, async ``initialize`` or asyncio task,
the worker switches for good to the asyncio loop, which reads CANCEL frames while tasks run.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import select
import signal
import sys
import threading
import time
import traceback

from . import frame_io
from . import protocol as p
from .data import RUNTIME_DATA_TYPES, to_runtime_data
from .node import REGISTRY, RemoteMediaError, _current_request, _Request, describe_registered, import_modules

IN_FD = 3
OUT_FD = 4
#: How long the blocking loop polls for the next input before it sleeps (see Worker.run).
_spin = os.environ.get("REMOTEMEDIA_PYTHON_SPIN_US", "100")
SPIN_NS = max(0, int(_spin)) * 1000 if _spin.strip().isdigit() else 100_000

_ERROR_CODE_BY_TYPE = (
    ((MemoryError, p.FrameTooLargeError), "resource_exhausted"),
    (asyncio.CancelledError, "canceled"),
    (TimeoutError, "deadline_exceeded"),
    (NotImplementedError, "unimplemented"),
    (ImportError, "failed_precondition"),
    ((ValueError, TypeError), "invalid_argument"),
)


#: Characters of an exception message sent to the host (the traceback keeps its last 4000).
MAX_MESSAGE_CHARS = 4000


def _limit_memory():
    """Applies the host's per-process memory limit (REMOTEMEDIA_MAX_MEMORY_MB, 0 or unset: none)
    before any node module is imported: RLIMIT_DATA on Linux (heap and other private writable
    memory; shared libraries and file mappings do not count), RLIMIT_AS elsewhere. Soft and hard
    limit alike, so node code cannot raise it. An allocation beyond it raises MemoryError."""
    raw = os.environ.get("REMOTEMEDIA_MAX_MEMORY_MB", "").strip()
    if not raw.isdigit() or int(raw) == 0:
        return
    try:
        import resource

        which = resource.RLIMIT_DATA if sys.platform.startswith("linux") else resource.RLIMIT_AS
        limit = int(raw) << 20
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(which, (limit, limit))
    except Exception as exc:  # noqa: BLE001 - no resource module (Windows) or not permitted
        sys.stderr.write(f"remotemedia: cannot apply the memory limit of {raw} MiB: {exc}\n")


def _die_with_parent():
    """Parent death kills us: PR_SET_PDEATHSIG on Linux, a watchdog thread elsewhere.

    Not both: the watchdog taking the GIL every 250 ms makes the main thread wake a second thread,
    which Linux's wake-up placement (wake_wide) counts against putting the worker on the host's CPU.
    In our runs without it the worker shared the host's CPU more often (6 of 6 runs against 4 of 6;
    ~19 us against ~90 us per 20 ms frame round trip before the input polling of Worker.run). EOF on
    fd 3 covers a parent that dies while the worker waits for input anyway.
    """
    parent = os.getppid()
    armed = False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the watchdog covers it
        pass
    if os.getppid() != parent or parent == 1:
        os._exit(70)
    if armed:
        return

    def watch():
        while True:
            time.sleep(0.25)
            if os.getppid() != parent:
                os._exit(70)

    threading.Thread(target=watch, name="remotemedia-parent-watchdog", daemon=True).start()


def write_all(buffers):
    try:
        frame_io.write_all(OUT_FD, buffers)
    except OSError:
        os._exit(71)  # the host is gone


def error_body(exc):
    if isinstance(exc, RemoteMediaError):
        code = exc.code
    else:
        code = "internal"
        for types, name in _ERROR_CODE_BY_TYPE:
            if isinstance(exc, types):
                code = name
                break
    message = str(exc) or type(exc).__name__
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + f"... ({len(message) - MAX_MESSAGE_CHARS} more characters)"
    return {
        "message": message,
        "code": code,
        "type": type(exc).__name__,
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
    }


class Worker:
    def __init__(self, loop):
        self.loop = loop
        self.reader = frame_io.FdFrameReader(IN_FD)
        self.node = None
        self.requests = {}
        self.closing = False
        #: Set once the node needs the event loop; never unset.
        self.async_mode = False

    def run(self):
        """Serves frames until EOF or CLOSE: the blocking loop first, then the asyncio loop if needed.

        When no input is waiting, the loop polls for up to SPIN_NS (yielding the CPU at each turn)
        before it sleeps. Measured on this project's 2-vCPU VM: a sleeping worker woken from the
        other CPU costs ~30 us per wakeup, and the 20 ms frame round trip took ~85 us when the
        scheduler put the worker and the host on different CPUs, ~18 us on the same one; polling
        while the host prepares the next frame brings the former to ~29 us and leaves the latter
        as it was (the yield hands the CPU to the host). A stream that pauses costs at most SPIN_NS
        of CPU per input (0.5% of a core for 20 ms frames at the 100 us default).
        """
        os.set_blocking(IN_FD, False)
        os.set_blocking(OUT_FD, True)
        poller = select.poll()
        poller.register(IN_FD, select.POLLIN)
        read = self.reader.read
        dispatch = self.dispatch
        clock = time.perf_counter_ns
        yield_cpu = getattr(os, "sched_yield", lambda: None)
        try:
            while not self.async_mode:
                frames = read()
                if frames is None:
                    if SPIN_NS:
                        deadline = clock() + SPIN_NS
                        while frames is None and clock() < deadline:
                            yield_cpu()
                            frames = read()
                    if frames is None:
                        poller.poll()
                        continue
                for ftype, kind, rid, frame in frames:
                    dispatch(ftype, kind, rid, frame)
        except EOFError:
            os._exit(0)  # the host closed the pipe or died
        self.loop.add_reader(IN_FD, self.on_readable)
        self.loop.run_forever()

    def _needs_loop(self):
        """Whether the node left work for the event loop (tasks, callbacks, timers)."""
        loop = self.loop
        return bool(asyncio.all_tasks(loop) or getattr(loop, "_ready", None) or getattr(loop, "_scheduled", None))

    def start(self, coro):
        """Runs lifecycle coroutines: as a task in asyncio mode, to completion in the blocking loop."""
        if self.async_mode:
            self.loop.create_task(coro)
        else:
            self.loop.run_until_complete(coro)

    # -- output ---------------------------------------------------------------------------
    def emit(self, rid, value):
        data = to_runtime_data(value)
        if data is not None:
            write_all(p.data_frame(p.OUTPUT, rid, data))

    def done(self, rid):
        self.requests.pop(rid, None)
        write_all([p.json_frame(p.DONE, rid)])

    def fail(self, rid, exc):
        self.requests.pop(rid, None)
        write_all([p.json_frame(p.ERROR, rid, error_body(exc))])

    # -- input ----------------------------------------------------------------------------
    def on_readable(self):
        """asyncio mode: reads what is there; keeps reading while a big frame is still arriving
        (one loop turn per frame, not per chunk)."""
        frames = []
        reader = self.reader
        try:
            while True:
                got = reader.read()
                if got is None:
                    break
                frames += got
                if not reader.partial:
                    break
        except EOFError:
            os._exit(0)  # the host closed the pipe or died
        for ftype, kind, rid, frame in frames:
            self.dispatch(ftype, kind, rid, frame)

    def dispatch(self, ftype, kind, rid, frame):
        if ftype == p.PROCESS:
            try:
                data, metadata = p.decode_data(kind, frame)
            except Exception as exc:  # noqa: BLE001 - a bad frame fails its request, not the worker
                return self.fail(rid, exc)
            self.call(rid, self.node.process, data, metadata=metadata)
        elif ftype == p.FLUSH:
            self.call(rid, self.node.flush)
        elif ftype == p.CANCEL:
            req = self.requests.get(rid)
            if req is not None:
                req.cancelled = True
                if req.task is not None:
                    req.task.cancel()
        elif ftype == p.CONTROL:
            try:
                data, _ = p.decode_data(kind, frame)
                self.node.on_control(data)
            except Exception:  # noqa: BLE001 - control is advisory
                logging.getLogger("remotemedia.worker").exception("on_control failed")
        elif ftype == p.INIT:
            self.initialize(frame)
        elif ftype == p.CLOSE:
            self.start(self.close())

    def call(self, rid, method, *args, metadata=None):
        """Runs process/flush. Plain results are answered at once, as one OUTPUT frame flagged END
        (or DONE for None); generators and coroutines get a task."""
        req = _Request(rid, metadata)
        self.requests[rid] = req
        token = _current_request.set(req)
        try:
            result = method(*args)
            if not isinstance(result, RUNTIME_DATA_TYPES) and (inspect.isgenerator(result) or inspect.isasyncgen(result) or inspect.iscoroutine(result)):
                self.async_mode = True  # the task runs when the blocking loop hands over
                req.task = self.loop.create_task(self.drain(req, result))
                return
            self.answer(rid, result)
        except Exception as exc:  # noqa: BLE001 - reported to the host
            self.fail(rid, exc)
        finally:
            _current_request.reset(token)

    def answer(self, rid, value):
        """The only output of a request, or none."""
        data = to_runtime_data(value)
        self.requests.pop(rid, None)
        if data is None:
            write_all([p.json_frame(p.DONE, rid)])
        else:
            write_all(p.data_frame(p.OUTPUT, rid, data, None, p.FLAG_END))

    async def drain(self, req, result):
        rid = req.id
        try:
            if inspect.iscoroutine(result):
                value = await result
                if inspect.isasyncgen(value) or inspect.isgenerator(value):
                    return await self.drain(req, value)
                return self.answer(rid, value)
            elif inspect.isasyncgen(result):
                async for value in result:
                    if req.cancelled:
                        break
                    self.emit(rid, value)
            else:
                for value in result:
                    if req.cancelled:
                        break
                    self.emit(rid, value)
                    await asyncio.sleep(0)  # lets CANCEL frames in between items
            self.done(rid)
        except asyncio.CancelledError:
            self.done(rid)  # tells the host the cancelled input is over: it is not busy any more
        except Exception as exc:  # noqa: BLE001
            self.fail(rid, exc)

    # -- lifecycle --------------------------------------------------------------------------
    def initialize(self, frame):
        """INIT: imports, creates the node, runs its initialize; READY or an ERROR for request 0."""
        try:
            init = p.frame_json(frame)
            for entry in reversed(init.get("pythonPath") or []):
                if entry not in sys.path:
                    sys.path.insert(0, entry)
            try:
                import_modules(init.get("modules") or [])
            except MemoryError:
                raise  # reported as the memory limit, not as an import problem
            except Exception as exc:
                raise ImportError(f"cannot import Python node modules: {type(exc).__name__}: {exc}") from exc
            node_type = init["nodeType"]
            cls = REGISTRY.get(node_type)
            if cls is None:
                known = ", ".join(sorted(REGISTRY)) or "none"
                raise RemoteMediaError("not_found", f'no Python node type "{node_type}" is registered (registered: {known}; modules: {init.get("modules") or []})')
            node = cls()
            node.params = init.get("params") or {}
            node.node_id = init.get("nodeId", "")
            node.session_id = init.get("sessionId", "")
            node._progress = lambda fraction, message: self.progress(fraction, message)
            self.node = node
            result = node.initialize()
            if inspect.isawaitable(result):
                self.async_mode = True  # an async node: its loop must run between calls
                self.loop.create_task(self._finish_initialize(result))
                return
            if self._needs_loop():
                self.async_mode = True
            self._ready()
        except Exception as exc:  # noqa: BLE001
            self._init_failed(exc)

    async def _finish_initialize(self, pending):
        try:
            await pending
            self._ready()
        except Exception as exc:  # noqa: BLE001
            self._init_failed(exc)

    def _ready(self):
        write_all([p.json_frame(p.READY, 0, {"pid": os.getpid()})])

    def _init_failed(self, exc):
        write_all([p.json_frame(p.ERROR, 0, error_body(exc))])

    def progress(self, fraction, message):
        req = _current_request.get()
        body = {"fraction": fraction}
        if message is not None:
            body["message"] = message
        write_all([p.json_frame(p.PROGRESS, req.id if req else 0, body)])

    async def close(self):
        for req in list(self.requests.values()):
            req.cancelled = True
            if req.task is not None:
                req.task.cancel()
        code = 0
        if self.node is not None:
            try:
                result = self.node.cleanup()
                if inspect.isawaitable(result):
                    await result
            except Exception:  # noqa: BLE001
                traceback.print_exc()
                code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_worker():
    _limit_memory()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the host decides when we stop
    logging.basicConfig(level=os.environ.get("REMOTEMEDIA_LOG_LEVEL", "WARNING"), stream=sys.stderr)
    preload = os.environ.pop("REMOTEMEDIA_PRELOAD_MODULES", None)
    if preload:
        # A warm process: import the server's modules now, before any session needs them.
        import_modules(json.loads(preload))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    Worker(loop).run()


def describe(modules):
    import_modules(modules)
    json.dump(describe_registered(), sys.stdout)
    sys.stdout.write("\n")


def main(argv):
    if argv[:1] == ["--describe"]:
        describe(argv[1:])
    else:
        run_worker()


if __name__ == "__main__":
    main(sys.argv[1:])
