"""Python calling the RemoteMedia runtime (the Rust system's FFI, here over one child process).

    from remotemedia.runtime import execute_pipeline_with_input, stream
    outputs = await execute_pipeline_with_input(manifest, [1, 2, 3])
    async with stream(manifest) as session:
        await session.send(samples, sample_rate=16000)
        await session.end()
        async for out in session.outputs: ...

The first call starts ``node`` running runtime-core's bridge script; later calls reuse it (one
process per Python process, calls multiplexed). It exits with this process.

Marshaling, both ways: None, bool, int, float, list, dict <-> json (NaN and +-Inf become None);
str <-> text; bytes <-> binary; numpy array <-> tensor (shape and dtype kept). RuntimeData objects
(Audio, Video, ...) pass as they are. Invalid manifests raise ValueError listing every problem;
failures while running raise RuntimeError (``PipelineError``: ``.code``, ``.node_id``, ``.details``).
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Any, Iterable, List, Mapping, Optional, Union

from . import protocol as p
from ._locate import RuntimeNotAvailableError, bridge_command, runtime_info
from ._session import StreamSession, marshal_input
from .data import from_runtime_data
from .errors import PipelineError, error_from_json

__all__ = [
    "execute_pipeline", "execute_pipeline_with_input", "execute_pipeline_sync",
    "execute_pipeline_with_input_sync", "get_runtime_version", "is_available", "stream",
    "RuntimeBridge", "PipelineError", "RuntimeNotAvailableError", "LocalStreamSession", "manifest_text", "runtime_info",
]

Manifest = Union[str, bytes, Mapping[str, Any], Any]


def manifest_value(manifest: Manifest):
    """A manifest given as a dict, JSON/YAML text or a Pipeline -> what the bridge takes."""
    if hasattr(manifest, "to_manifest") and callable(manifest.to_manifest):
        return manifest.to_manifest()
    if isinstance(manifest, bytes):
        return manifest.decode("utf-8")
    if isinstance(manifest, (str, dict)):
        return manifest
    if isinstance(manifest, Mapping):
        return dict(manifest)
    raise ValueError(f"manifest must be a dict, JSON/YAML text or a Pipeline, got {type(manifest).__name__}")


def manifest_text(manifest: Manifest) -> str:
    """The manifest as text: the runtime and servers cache validated manifests by their text, so
    text skips re-validating (and re-walking) the same manifest on every call."""
    value = manifest_value(manifest)
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"manifest is not JSON data: {exc}") from exc


class _Call:
    __slots__ = ("future", "outputs")

    def __init__(self):
        self.future = concurrent.futures.Future()
        self.outputs = []


class LocalStreamSession(StreamSession):
    """A streaming session on the local runtime (see StreamSession)."""

    def __init__(self, bridge: "RuntimeBridge", window: int, in_flight: int = 4):
        super().__init__(window)
        self._bridge = bridge
        self.rid = 0
        self._accepts: deque = deque()
        self._in_flight = max(1, int(in_flight))

    def _apply(self, events) -> None:
        """Frames the reader got for this session in one read, applied in one event-loop turn."""
        for kind, value in events:
            if kind == 0:
                self._deliver(value)
            elif kind == 1:
                self._accepted()
            else:
                self._finish(value)

    # reader thread -> loop
    def _accepted(self) -> None:
        # ACCEPTED frames answer INPUT frames one to one, in order.
        if self._accepts:
            f = self._accepts.popleft()
            if not f.done():
                f.set_result(None)

    def _finish(self, error: Optional[BaseException] = None) -> None:
        super()._finish(error)
        while self._accepts:
            f = self._accepts.popleft()
            if not f.done():
                if self._error is not None:
                    f.set_exception(self._error)
                    f.exception()  # the error surfaces from send/outputs: no "never retrieved" warning
                else:
                    f.set_result(None)

    async def _send(self, data, metadata) -> None:
        # Up to `in_flight` inputs travel unacknowledged (the pipe round trip is not paid per input);
        # beyond that, wait for the oldest to be accepted: backpressure stays bounded.
        f = self._loop.create_future()
        self._accepts.append(f)
        self._bridge._write(p.data_frame(p.INPUT, self.rid, data, dict(metadata) if metadata else None))
        while len(self._accepts) >= self._in_flight:
            # shield: a cancelled sender must not cancel the shared future of another input
            await asyncio.shield(self._accepts[0])

    async def _end(self) -> None:
        self._bridge._write([p.json_frame(p.END_INPUT, self.rid)])

    def _cancel(self) -> None:
        try:
            self._bridge._write([p.json_frame(p.CANCEL, self.rid)])
        except RuntimeError:
            pass

    def _took(self, n: int) -> None:
        if not self._finished:
            try:
                self._bridge._write([p.json_frame(p.CREDIT, self.rid, {"n": n})])
            except RuntimeError:
                pass


#: Blocking calls poll for their answer this long before sleeping (REMOTEMEDIA_CALLER_SPIN_US, default 200).
_SPIN_S = int(os.environ.get("REMOTEMEDIA_CALLER_SPIN_US", "200") or 0) / 1e6


class _Pipe:
    """The bridge process and its answer pipe; whoever holds ``read_lock`` reads it."""

    __slots__ = ("proc", "fd", "frames", "eof", "read_lock")

    def __init__(self, proc):
        self.proc = proc
        self.fd = proc.stdout.fileno()
        self.frames = p.FrameReader()
        self.eof = False
        self.read_lock = threading.Lock()


class RuntimeBridge:
    """One ``node`` bridge process serving many calls. Thread-safe; works with any asyncio loop.

    Reading answers: a thread waiting for a blocking call reads the pipe itself when nobody else
    does (no handoff between threads per call); a background thread reads while asynchronous calls
    or streams are open. Whoever reads dispatches every call's frames.
    """

    def __init__(self, command=None, cwd=None, env=None):
        self._command = command
        self._cwd = cwd
        self._env = env
        self._proc = None
        self._pipe: Optional[_Pipe] = None
        self._lock = threading.Lock()
        #: Signalled when a call finishes, the read lock is released or background work arrives.
        self._cond = threading.Condition()
        #: Open calls nobody waits for synchronously (async calls, streams): the background reader's work.
        self._background = 0
        self._calls = {}
        self._next_id = 1
        self._stderr = deque(maxlen=30)

    def _start(self):
        if self._proc is not None and self._proc.poll() is None:
            return
        command, cwd = (self._command, self._cwd) if self._command else bridge_command()
        env = dict(os.environ)
        env.setdefault("REMOTEMEDIA_PYTHON", os.environ.get("REMOTEMEDIA_PYTHON") or sys.executable)
        env["REMOTEMEDIA_CALLER_CWD"] = os.getcwd()
        env.update(self._env or {})
        try:
            self._proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        except OSError as exc:
            raise RuntimeNotAvailableError(f"cannot start the RemoteMedia Node.js bridge ({command[0]}): {exc}. Set REMOTEMEDIA_NODE=/path/to/node.") from exc
        self._stderr.clear()
        self._pipe = _Pipe(self._proc)
        threading.Thread(target=self._background_reader, args=(self._pipe,), name="remotemedia-bridge-reader", daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self._proc,), name="remotemedia-bridge-stderr", daemon=True).start()

    def _read_stderr(self, proc):
        for line in proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def _notify(self, *_):
        with self._cond:
            self._cond.notify_all()

    def _background_done(self, *_):
        with self._cond:
            self._background -= 1
            self._cond.notify_all()

    def _background_reader(self, pipe: _Pipe):
        while True:
            with self._cond:
                while not pipe.eof and self._background <= 0:
                    self._cond.wait()
                if pipe.eof:
                    return
            with pipe.read_lock:
                while not pipe.eof and self._background > 0:
                    self._read_some(pipe)
            self._notify()

    def _read_some(self, pipe: _Pipe, timeout: Optional[float] = None, spin: float = 0.0) -> None:
        """Reads what the pipe has (waiting at most ``timeout``) and dispatches it. Hold ``read_lock``.

        ``spin``: seconds to poll (yielding the CPU) before sleeping in the kernel; an answer that
        comes within it costs no wakeup of this thread from another CPU."""
        if spin:
            until = time.perf_counter() + spin
            while not select.select([pipe.fd], [], [], 0)[0]:
                if time.perf_counter() >= until:
                    break
                os.sched_yield()
        if timeout is not None and not select.select([pipe.fd], [], [], max(0.0, timeout))[0]:
            return
        # 64 KiB: a bigger os.read buffer is an mmap/munmap per call.
        chunk = os.read(pipe.fd, 65536)
        if not chunk:
            self._closed(pipe)
            return
        calls = self._calls
        batches: dict = {}
        for ftype, kind, rid, frame in pipe.frames.feed(chunk):
            call = calls.get(rid)
            if call is None:
                continue
            if isinstance(call, LocalStreamSession):
                self._dispatch_stream(call, ftype, kind, rid, frame, batches)
            elif ftype == p.OUTPUT:
                call.outputs.append(from_runtime_data(p.decode_data(kind, frame)[0]))
            elif ftype == p.DONE:
                calls.pop(rid, None)
                body = p.frame_json(frame)
                call.future.set_result(body if body is not None and not call.outputs else call.outputs)
            elif ftype == p.ERROR:
                calls.pop(rid, None)
                call.future.set_exception(error_from_json(p.frame_json(frame) or {}))
        for session, events in batches.items():
            try:
                session._loop.call_soon_threadsafe(session._apply, events)
            except RuntimeError:  # the session's event loop is closed: nobody listens any more
                pass

    def _closed(self, pipe: _Pipe) -> None:
        """The bridge exited: every open call fails with its exit code and last stderr lines."""
        pipe.eof = True
        proc = pipe.proc
        proc.wait()
        time.sleep(0.05)  # let the stderr reader take the last lines
        tail = "\n".join(list(self._stderr)[-15:])
        with self._lock:
            pending, self._calls = self._calls, {}
        for call in pending.values():
            exc = RuntimeError(f"the RemoteMedia Node.js bridge exited with code {proc.returncode}; stderr:\n{tail}")
            if isinstance(call, LocalStreamSession):
                call.finish_threadsafe(exc)
            elif not call.future.done():
                call.future.set_exception(exc)
        self._notify()

    def _wait(self, call: "_Call", timeout: Optional[float]):
        """The result of a blocking call: read the pipe here when nobody else does."""
        future = call.future
        pipe = self._pipe
        end = None if timeout is None else time.monotonic() + timeout
        while not future.done():
            remaining = None if end is None else end - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            if pipe is not None and not pipe.eof and pipe.read_lock.acquire(blocking=False):
                try:
                    while not future.done() and not pipe.eof:
                        remaining = None if end is None else end - time.monotonic()
                        if remaining is not None and remaining <= 0:
                            break
                        self._read_some(pipe, remaining, _SPIN_S)
                finally:
                    pipe.read_lock.release()
                    self._notify()
            else:
                with self._cond:
                    if not future.done():
                        self._cond.wait(0.005 if remaining is None else min(0.005, remaining))
        return future.result(0)

    def _dispatch_stream(self, call: LocalStreamSession, ftype, kind, rid, frame, batches) -> None:
        events = batches.get(call)
        if events is None:
            events = batches[call] = []
        if ftype == p.OUTPUT:
            events.append((0, from_runtime_data(p.decode_data(kind, frame)[0])))
        elif ftype == p.ACCEPTED:
            events.append((1, None))
        elif ftype in (p.DONE, p.ERROR):
            self._calls.pop(rid, None)
            self._background_done()
            events.append((2, None if ftype == p.DONE else error_from_json(p.frame_json(frame) or {})))

    def _write(self, buffers):
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                raise RuntimeError("the RemoteMedia Node.js bridge is not running")
            try:
                proc.stdin.write(b"".join(bytes(b) for b in buffers) if len(buffers) > 1 else bytes(buffers[0]))
            except (BrokenPipeError, OSError) as exc:
                raise RuntimeError(self._exit_message(exc)) from exc

    def _register(self, call, frames, background: bool = False):
        with self._lock:
            self._start()
            rid = self._next_id
            self._next_id = rid + 1 if rid < 0xFFFFFFFF else 1
            self._calls[rid] = call
            if background:
                with self._cond:
                    self._background += 1
                    self._cond.notify_all()
                if isinstance(call, _Call):
                    call.future.add_done_callback(self._background_done)
            elif isinstance(call, _Call):
                call.future.add_done_callback(self._notify)
            try:
                self._proc.stdin.write(b"".join(bytes(b) for frame in frames(rid) for b in frame))
            except (BrokenPipeError, OSError) as exc:
                self._calls.pop(rid, None)
                if background and not isinstance(call, _Call):
                    self._background_done()
                raise RuntimeError(self._exit_message(exc)) from exc
        return rid

    def _exit_message(self, exc) -> str:
        """Why the bridge is gone: its exit code and last stderr lines (it may have failed to start)."""
        proc = self._proc
        try:
            proc.wait(timeout=2)
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.05)  # let the stderr reader take the last lines
        tail = "\n".join(list(self._stderr)[-15:])
        return f"the RemoteMedia Node.js bridge is not running ({exc}; exit code {proc.returncode}); its stderr:\n{tail}"

    def _execute(self, manifest, inputs, background: bool) -> "_Call":
        manifest_json = manifest_text(manifest)
        data = [marshal_input(v, f"inputs[{i}]") for i, v in enumerate(inputs)]

        def frames(rid):
            yield [p.json_frame(p.EXECUTE, rid, {"manifest": manifest_json, "unary": True})]
            for d in data:
                yield p.data_frame(p.INPUT, rid, d)
            yield [p.json_frame(p.END_INPUT, rid)]

        call = _Call()
        self._register(call, frames, background)
        return call

    def submit_execute(self, manifest, inputs):
        """Starts a call; returns a concurrent.futures.Future of the list of outputs (read in the background)."""
        return self._execute(manifest, inputs, True).future

    def execute(self, manifest, inputs, timeout: Optional[float] = None):
        """Runs a call and returns its outputs, reading the answer in this thread when it can."""
        call = self._execute(manifest, inputs, False)
        try:
            return self._wait(call, timeout)
        except concurrent.futures.TimeoutError:
            self._cancel_call(call)
            raise

    def _cancel_call(self, call) -> None:
        for rid, c in list(self._calls.items()):
            if c is call:
                self._calls.pop(rid, None)
                try:
                    self._write([p.json_frame(p.CANCEL, rid)])
                except RuntimeError:
                    pass

    def open_stream(self, manifest, window: int = 32, in_flight: int = 4) -> LocalStreamSession:
        """Opens a streaming session (call from a running event loop)."""
        manifest_json = manifest_text(manifest)
        session = LocalStreamSession(self, window, in_flight)
        session.rid = self._register(session, lambda rid: iter([[p.json_frame(p.EXECUTE, rid, {"manifest": manifest_json, "stream": True, "window": session._window})]]), True)
        return session

    def version(self, timeout=60):
        call = _Call()
        self._register(call, lambda rid: iter([[p.json_frame(p.VERSION, rid)]]))
        return self._wait(call, timeout)["version"]

    def close(self):
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.close()
                proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                proc.kill()


_default_bridge = None
_default_lock = threading.Lock()


def default_bridge() -> RuntimeBridge:
    global _default_bridge
    with _default_lock:
        if _default_bridge is None:
            _default_bridge = RuntimeBridge()
            atexit.register(_default_bridge.close)
        return _default_bridge


async def execute_pipeline_with_input(manifest: Manifest, inputs: Iterable[Any], *, timeout: Optional[float] = None) -> List[Any]:
    """Runs the pipeline on each input and returns every output of every sink, in order."""
    future = default_bridge().submit_execute(manifest, list(inputs))
    return await asyncio.wait_for(asyncio.wrap_future(future), timeout)


async def execute_pipeline(manifest: Manifest, *, timeout: Optional[float] = None) -> List[Any]:
    """Runs a pipeline that needs no input (its nodes produce on flush) and returns its outputs."""
    return await execute_pipeline_with_input(manifest, [], timeout=timeout)


def execute_pipeline_with_input_sync(manifest: Manifest, inputs: Iterable[Any], *, timeout: Optional[float] = None) -> List[Any]:
    """Blocking ``execute_pipeline_with_input`` (any thread)."""
    return default_bridge().execute(manifest, list(inputs), timeout)


def execute_pipeline_sync(manifest: Manifest, *, timeout: Optional[float] = None) -> List[Any]:
    return execute_pipeline_with_input_sync(manifest, [], timeout=timeout)


def stream(manifest: Manifest, *, window: int = 32, in_flight: int = 4) -> LocalStreamSession:
    """Opens a streaming session: ``async with stream(m) as s: await s.send(x) ...``.

    ``window``: outputs buffered for a consumer that lags before the pipeline is held back.
    ``in_flight``: inputs sent ahead of the pipeline's acceptance (``send`` returns once fewer than
    this many are unaccepted; 1 = each ``send`` waits for its own input to be accepted)."""
    return default_bridge().open_stream(manifest, window, in_flight)


def get_runtime_version() -> str:
    """The @remotemedia/runtime-core version the bridge runs."""
    return default_bridge().version()


def is_available() -> bool:
    """True when Node.js and the bridge script can be started and answer."""
    try:
        return bool(get_runtime_version())
    except Exception:  # noqa: BLE001
        return False
