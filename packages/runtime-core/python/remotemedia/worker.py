"""The Python side of a multiprocess node: ``python3 -m remotemedia.worker``.

Reads frames from fd 3 and writes frames to fd 4 (stdout and stderr stay free for the node's own
prints and logs). Exits when the host says CLOSE, when fd 3 reaches EOF, or when the parent dies.
``--describe MODULE...`` prints the registered node types as JSON instead.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback

from . import protocol as p
from .data import RUNTIME_DATA_TYPES, to_runtime_data
from .node import REGISTRY, RemoteMediaError, _current_request, _Request, describe_registered, import_modules

IN_FD = 3
OUT_FD = 4

_ERROR_CODE_BY_TYPE = (
    (asyncio.CancelledError, "canceled"),
    (TimeoutError, "deadline_exceeded"),
    (NotImplementedError, "unimplemented"),
    (ImportError, "failed_precondition"),
    ((ValueError, TypeError), "invalid_argument"),
)


def _die_with_parent():
    """Parent death kills us: PR_SET_PDEATHSIG on Linux, plus a watchdog thread everywhere."""
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the watchdog covers it
        pass
    if os.getppid() != parent or parent == 1:
        os._exit(70)

    def watch():
        while True:
            time.sleep(0.25)
            if os.getppid() != parent:
                os._exit(70)

    threading.Thread(target=watch, name="remotemedia-parent-watchdog", daemon=True).start()


def write_all(buffers):
    """Writes the buffers in one writev call when the pipe takes them all (it usually does)."""
    try:
        total = sum(len(b) for b in buffers)
        n = os.writev(OUT_FD, buffers)
        if n == total:
            return
        rest = memoryview(b"".join(bytes(b) for b in buffers))[n:]
        while len(rest):
            rest = rest[os.write(OUT_FD, rest):]
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
    return {
        "message": str(exc) or type(exc).__name__,
        "code": code,
        "type": type(exc).__name__,
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
    }


class Worker:
    def __init__(self, loop):
        self.loop = loop
        self.reader = p.FrameReader()
        self.node = None
        self.requests = {}
        self.closing = False

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
        frames = []
        want = 1 << 20
        # Keep reading while a big frame is still arriving: one loop turn per frame, not per chunk.
        while want:
            try:
                chunk = os.read(IN_FD, want)
            except BlockingIOError:
                break
            if not chunk:
                os._exit(0)  # EOF: the host closed the pipe or died
            frames += self.reader.feed(chunk)
            want = min(self.reader.missing, 1 << 22)
        for ftype, kind, rid, frame in frames:
            self.dispatch(ftype, kind, rid, frame)

    def dispatch(self, ftype, kind, rid, frame):
        if ftype == p.PROCESS:
            data, metadata = p.decode_data(kind, frame)
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
            data, _ = p.decode_data(kind, frame)
            try:
                self.node.on_control(data)
            except Exception:  # noqa: BLE001 - control is advisory
                logging.getLogger("remotemedia.worker").exception("on_control failed")
        elif ftype == p.INIT:
            self.loop.create_task(self.initialize(p.frame_json(frame)))
        elif ftype == p.CLOSE:
            self.loop.create_task(self.close())

    def call(self, rid, method, *args, metadata=None):
        """Runs process/flush. Plain results are answered at once, as one OUTPUT frame flagged END
        (or DONE for None); generators and coroutines get a task."""
        req = _Request(rid, metadata)
        self.requests[rid] = req
        token = _current_request.set(req)
        try:
            result = method(*args)
            if not isinstance(result, RUNTIME_DATA_TYPES) and (inspect.isgenerator(result) or inspect.isasyncgen(result) or inspect.iscoroutine(result)):
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
            self.requests.pop(rid, None)
        except Exception as exc:  # noqa: BLE001
            self.fail(rid, exc)

    # -- lifecycle --------------------------------------------------------------------------
    async def initialize(self, init):
        try:
            for entry in reversed(init.get("pythonPath") or []):
                if entry not in sys.path:
                    sys.path.insert(0, entry)
            try:
                import_modules(init.get("modules") or [])
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
                await result
            write_all([p.json_frame(p.READY, 0, {"pid": os.getpid()})])
        except Exception as exc:  # noqa: BLE001
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
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the host decides when we stop
    logging.basicConfig(level=os.environ.get("REMOTEMEDIA_LOG_LEVEL", "WARNING"), stream=sys.stderr)
    preload = os.environ.pop("REMOTEMEDIA_PRELOAD_MODULES", None)
    if preload:
        # A warm process: import the server's modules now, before any session needs them.
        import_modules(json.loads(preload))
    os.set_blocking(IN_FD, False)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker = Worker(loop)
    loop.add_reader(IN_FD, worker.on_readable)
    loop.run_forever()


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
