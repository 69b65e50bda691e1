"""Python calling the RemoteMedia runtime (the Rust system's FFI, here over one child process).

    from remotemedia.runtime import execute_pipeline_with_input
    outputs = await execute_pipeline_with_input(manifest, [1, 2, 3])

The first call starts ``node`` running runtime-core's bridge script; later calls reuse it (one
process per Python process, calls multiplexed). It exits with this process.

Marshaling, both ways: None, bool, int, float, list, dict <-> json (NaN and +-Inf become None);
str <-> text; bytes <-> binary; numpy array <-> tensor (shape and dtype kept). RuntimeData objects
(Audio, Video, ...) pass as they are. Invalid manifests raise ValueError listing every problem;
failures while running raise RuntimeError (``.code``, ``.node_id``, ``.details`` attached).
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import json
import os
import shutil
import subprocess
import threading
from collections import deque

from . import protocol as p
from .data import Json, from_runtime_data, to_runtime_data

__all__ = [
    "execute_pipeline", "execute_pipeline_with_input", "execute_pipeline_sync",
    "execute_pipeline_with_input_sync", "get_runtime_version", "is_available", "RuntimeBridge", "PipelineError",
]

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class PipelineError(RuntimeError):
    """A pipeline failed while running. ``code`` is runtime-core's error code name."""

    def __init__(self, message, code="internal", node_id=None, details=None, reason=None):
        super().__init__(message)
        self.code = code
        self.node_id = node_id
        self.details = details or []
        self.reason = reason


def bridge_command():
    """The command that starts the bridge, and the directory to start it in.

    ``REMOTEMEDIA_NODE_BRIDGE`` names the script (.ts runs through tsx, .js as is); otherwise the
    package's own source (a repository checkout) or its dist build (installed from npm) is used.
    ``REMOTEMEDIA_NODE`` names the node executable (default: ``node`` on PATH).
    """
    node = os.environ.get("REMOTEMEDIA_NODE") or shutil.which("node") or "node"
    script = os.environ.get("REMOTEMEDIA_NODE_BRIDGE")
    if not script:
        src = os.path.join(_PACKAGE_ROOT, "src", "node", "python-bridge", "bridge-main.ts")
        dist = os.path.join(_PACKAGE_ROOT, "dist", "node", "python-bridge", "bridge-main.js")
        script = src if os.path.isfile(src) else dist
    if script.endswith(".ts"):
        # `--import tsx` resolves from the working directory: start in the package, the bridge moves back.
        return [node, "--conditions=@remotemedia/source", "--import", "tsx", script], _PACKAGE_ROOT
    return [node, script], None


class _Call:
    __slots__ = ("future", "outputs")

    def __init__(self):
        self.future = concurrent.futures.Future()
        self.outputs = []


def _marshal_input(value, index):
    if value is None:
        return Json(None)
    try:
        return to_runtime_data(value, f"inputs[{index}]")
    except TypeError as exc:
        raise ValueError(f"cannot marshal inputs[{index}]: {exc}") from exc


def _error_from(body):
    code = body.get("code", "internal")
    message = body.get("message", "pipeline failed")
    details = body.get("details") or []
    reason = body.get("reason")
    if code == "invalid_argument" and reason in ("ManifestInvalid", "ManifestSyntax"):
        problems = "\n".join(f"{d.get('path')}: {d.get('message')}" if d.get("path") else d.get("message", "") for d in details)
        exc = ValueError(f"invalid manifest:\n{problems or message}")
        exc.details = details
        return exc
    return PipelineError(f"[{code}] {message}", code, body.get("nodeId"), details, reason)


class RuntimeBridge:
    """One ``node`` bridge process serving many calls. Thread-safe; works with any asyncio loop."""

    def __init__(self, command=None, cwd=None, env=None):
        self._command = command
        self._cwd = cwd
        self._env = env
        self._proc = None
        self._lock = threading.Lock()
        self._calls = {}
        self._next_id = 1
        self._stderr = deque(maxlen=30)

    def _start(self):
        if self._proc is not None and self._proc.poll() is None:
            return
        command, cwd = (self._command, self._cwd) if self._command else bridge_command()
        env = dict(os.environ)
        env.setdefault("REMOTEMEDIA_PYTHON", os.environ.get("REMOTEMEDIA_PYTHON") or __import__("sys").executable)
        env["REMOTEMEDIA_CALLER_CWD"] = os.getcwd()
        env.update(self._env or {})
        self._proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        self._stderr.clear()
        proc = self._proc
        threading.Thread(target=self._read, args=(proc,), name="remotemedia-bridge-reader", daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(proc,), name="remotemedia-bridge-stderr", daemon=True).start()

    def _read_stderr(self, proc):
        for line in proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def _read(self, proc):
        reader = p.FrameReader()
        while True:
            chunk = proc.stdout.read1(1 << 20) if hasattr(proc.stdout, "read1") else os.read(proc.stdout.fileno(), 1 << 20)
            if not chunk:
                break
            for ftype, kind, rid, frame in reader.feed(chunk):
                call = self._calls.get(rid)
                if call is None:
                    continue
                if ftype == p.OUTPUT:
                    call.outputs.append(from_runtime_data(p.decode_data(kind, frame)[0]))
                elif ftype == p.DONE:
                    self._calls.pop(rid, None)
                    body = p.frame_json(frame)
                    call.future.set_result(body if body is not None and not call.outputs else call.outputs)
                elif ftype == p.ERROR:
                    self._calls.pop(rid, None)
                    call.future.set_exception(_error_from(p.frame_json(frame) or {}))
        proc.wait()
        tail = "\n".join(list(self._stderr)[-15:])
        with self._lock:
            pending, self._calls = self._calls, {}
        for call in pending.values():
            if not call.future.done():
                call.future.set_exception(RuntimeError(f"the RemoteMedia Node.js bridge exited with code {proc.returncode}; stderr:\n{tail}"))

    def _submit(self, frames):
        with self._lock:
            self._start()
            rid = self._next_id
            self._next_id = rid + 1 if rid < 0xFFFFFFFF else 1
            call = _Call()
            self._calls[rid] = call
            try:
                self._proc.stdin.write(b"".join(bytes(b) for frame in frames(rid) for b in frame))
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                self._calls.pop(rid, None)
                raise RuntimeError(f"the RemoteMedia Node.js bridge is not running: {exc}") from exc
        return call.future

    def submit_execute(self, manifest, inputs):
        """Starts a call; returns a concurrent.futures.Future of the list of outputs."""
        if isinstance(manifest, (str, bytes)):
            manifest_value = manifest.decode() if isinstance(manifest, bytes) else manifest
        elif isinstance(manifest, dict):
            manifest_value = manifest
        else:
            raise ValueError(f"manifest must be a dict or JSON/YAML text, got {type(manifest).__name__}")
        data = [_marshal_input(v, i) for i, v in enumerate(inputs)]

        def frames(rid):
            yield [p.json_frame(p.EXECUTE, rid, {"manifest": manifest_value})]
            for d in data:
                yield p.data_frame(p.INPUT, rid, d)
            yield [p.json_frame(p.END_INPUT, rid)]

        return self._submit(frames)

    def version(self, timeout=60):
        return self._submit(lambda rid: iter([[p.json_frame(p.VERSION, rid)]])).result(timeout)["version"]

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


async def execute_pipeline_with_input(manifest, inputs, *, timeout=None):
    """Runs the pipeline on each input and returns every output of every sink, in order."""
    future = default_bridge().submit_execute(manifest, list(inputs))
    return await asyncio.wait_for(asyncio.wrap_future(future), timeout)


async def execute_pipeline(manifest, *, timeout=None):
    """Runs a pipeline that needs no input (its nodes produce on flush) and returns its outputs."""
    return await execute_pipeline_with_input(manifest, [], timeout=timeout)


def execute_pipeline_with_input_sync(manifest, inputs, *, timeout=None):
    return default_bridge().submit_execute(manifest, list(inputs)).result(timeout)


def execute_pipeline_sync(manifest, *, timeout=None):
    return execute_pipeline_with_input_sync(manifest, [], timeout=timeout)


def get_runtime_version() -> str:
    """The @remotemedia/runtime-core version the bridge runs."""
    return default_bridge().version()


def is_available() -> bool:
    """True when Node.js and the bridge script can be started and answer."""
    try:
        return bool(get_runtime_version())
    except Exception:  # noqa: BLE001
        return False


def _json_dumps(value):  # kept for callers that want the wire form of a manifest
    return json.dumps(value, separators=(",", ":"))
