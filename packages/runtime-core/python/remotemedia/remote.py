"""Talking to a running RemoteMedia server with the same calls as the local runtime.

    from remotemedia import connect
    server = connect("http://127.0.0.1:8080", token="secret")     # HTTP API (standard library)
    server = connect("grpc://127.0.0.1:50051")                     # gRPC API (needs grpcio)
    await server.execute_pipeline_with_input(manifest, [1, 2, 3])
    async with server.stream(manifest) as session: ...

``connect("http://host:port")`` finds out which kind of server listens there: an HTTP server
answers ``GET /health`` over HTTP/1.1, a gRPC server (HTTP/2 only) does not. ``protocol="http"`` or
``"grpc"`` (or the ``grpc://`` / ``grpcs://`` schemes) skip the probe.

HTTP uses ``http.client`` (execute: ``POST /v1/execute``; streams: ``POST /v1/sessions``, inputs
POSTed one by one, outputs read as Server-Sent Events). gRPC uses ``grpcio`` (``pip install
remotemedia[grpc]``, or Debian's python3-grpcio) with the protobuf messages encoded by ``_wire``.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import queue
import threading
import urllib.parse
from typing import Any, Dict, Iterable, List, Optional

from . import _wire
from ._session import StreamSession, marshal_input
from .data import from_runtime_data
from .errors import PipelineError, error_from_json
from .runtime import Manifest, manifest_text

__all__ = ["connect", "HttpClient", "GrpcClient", "RemoteClient"]


class RemoteClient:
    """The calls of ``remotemedia_runtime``, against a server. Subclasses implement the sync ones."""

    url: str

    def execute_pipeline_with_input_sync(self, manifest: Manifest, inputs: Iterable[Any], *, timeout: Optional[float] = None) -> List[Any]:
        raise NotImplementedError

    def execute_pipeline_sync(self, manifest: Manifest, *, timeout: Optional[float] = None) -> List[Any]:
        return self.execute_pipeline_with_input_sync(manifest, [], timeout=timeout)

    async def execute_pipeline_with_input(self, manifest: Manifest, inputs: Iterable[Any], *, timeout: Optional[float] = None) -> List[Any]:
        """Runs the pipeline on the server and returns every output of every sink, in order."""
        inputs = list(inputs)
        return await asyncio.get_running_loop().run_in_executor(None, lambda: self.execute_pipeline_with_input_sync(manifest, inputs, timeout=timeout))

    async def execute_pipeline(self, manifest: Manifest, *, timeout: Optional[float] = None) -> List[Any]:
        return await self.execute_pipeline_with_input(manifest, [], timeout=timeout)

    def get_runtime_version(self) -> str:
        raise NotImplementedError

    def is_available(self) -> bool:
        try:
            return bool(self.get_runtime_version())
        except Exception:  # noqa: BLE001
            return False

    def stream(self, manifest: Manifest, *, window: int = 32) -> StreamSession:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _marshal_all(inputs) -> list:
    return [marshal_input(v, f"inputs[{i}]") for i, v in enumerate(inputs)]


# -- HTTP ---------------------------------------------------------------------------------------
class HttpClient(RemoteClient):
    """A RemoteMedia HTTP server (apps/http-server), with the standard library only."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 60.0):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https"):
            raise ValueError(f"HTTP server URL must be http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or (443 if self._https else 80)
        self._prefix = parsed.path.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._local = threading.local()
        self._opened_conns: list = []
        self._conns_lock = threading.Lock()

    def _connection(self, fresh: bool = False, timeout: Optional[float] = None) -> http.client.HTTPConnection:
        if fresh:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            return cls(self._host, self._port, timeout=timeout or self._timeout)
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connection(True)
            with self._conns_lock:
                self._opened_conns.append(conn)
        return conn

    def _headers(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        h = {"content-type": "application/json", "accept": "application/json"}
        if self._token:
            h["authorization"] = f"Bearer {self._token}"
        h.update(extra or {})
        return h

    def request(self, method: str, path: str, body: Any = None, timeout: Optional[float] = None) -> Any:
        """One JSON request on this thread's kept-alive connection; raises the server's error."""
        payload = None if body is None else json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        for attempt in (0, 1):
            conn = self._connection()
            conn.timeout = timeout or self._timeout
            if conn.sock is not None:
                conn.sock.settimeout(conn.timeout)
            try:
                conn.request(method, self._prefix + path, body=payload, headers=self._headers())
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        text = raw.decode("utf-8") if raw else ""
        value = json.loads(text) if text and resp.getheader("content-type", "").startswith("application/json") else text
        if resp.status >= 400:
            if isinstance(value, dict) and "code" in value:
                raise error_from_json(value)
            raise PipelineError(f"[unknown] HTTP {resp.status} from {self.url}{path}: {text[:300]}", "unknown")
        return value

    def execute_pipeline_with_input_sync(self, manifest, inputs, *, timeout=None):
        data = _marshal_all(inputs)
        body = {"manifest": manifest_text(manifest), "inputs": [_wire.to_json(d) for d in data]}
        answer = self.request("POST", "/v1/execute", body, timeout)
        return [from_runtime_data(_wire.from_json(o["data"])) for o in answer.get("outputs", [])]

    def get_runtime_version(self) -> str:
        v = self.request("GET", "/v1/version")
        return str(v.get("runtime") or v.get("runtimeVersion") or v.get("version") or v)

    def stream(self, manifest, *, window=32) -> StreamSession:
        return _HttpStreamSession(self, manifest_text(manifest), window)

    def close(self) -> None:
        """Closes every kept-alive connection (of every thread)."""
        with self._conns_lock:
            conns, self._opened_conns = self._opened_conns, []
        for conn in conns:
            conn.close()
        self._local.conn = None


class _HttpStreamSession(StreamSession):
    """POST /v1/sessions, inputs POSTed one at a time (202 once accepted), outputs as SSE."""

    def __init__(self, client: HttpClient, manifest: str, window: int):
        super().__init__(window)
        self._client = client
        self._sender = _ThreadClient(client)
        self._opening = asyncio.ensure_future(self._loop.run_in_executor(None, self._open, manifest))
        self._sse: Optional[http.client.HTTPConnection] = None

    def _open(self, manifest: str) -> None:
        answer = self._sender.call("POST", "/v1/sessions", {"manifest": manifest})
        self.session_id = answer["sessionId"]
        threading.Thread(target=self._read_events, name="remotemedia-sse", daemon=True).start()

    async def _opened(self) -> None:
        try:
            await self._opening
        except BaseException as exc:
            self._finish(exc)
            raise

    def _read_events(self) -> None:
        conn = self._client._connection(fresh=True, timeout=3600)
        self._sse = conn
        try:
            conn.request("GET", f"{self._client._prefix}/v1/sessions/{self.session_id}/output", headers=self._client._headers({"accept": "text/event-stream"}))
            resp = conn.getresponse()
            if resp.status >= 400:
                body = resp.read().decode("utf-8", "replace")
                try:
                    self.finish_threadsafe(error_from_json(json.loads(body)))
                except ValueError:
                    self.finish_threadsafe(PipelineError(f"[unknown] HTTP {resp.status}: {body[:300]}", "unknown"))
                return
            event, data = "message", []  # type: str, List[str]
            for raw in resp:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data:
                        if not self._event(event, "\n".join(data)):
                            return
                    event, data = "message", []
                elif line.startswith(":"):
                    continue
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "event":
                        event = value
                    elif name == "data":
                        data.append(value)
            self.finish_threadsafe(None if self._cancelled else PipelineError("[unavailable] the server closed the output stream before its end", "unavailable"))
        except Exception as exc:  # noqa: BLE001
            self.finish_threadsafe(None if self._cancelled else PipelineError(f"[unavailable] output stream failed: {exc}", "unavailable"))
        finally:
            conn.close()

    def _finish(self, error=None) -> None:
        super()._finish(error)
        if self.session_id is None or self._cancelled:
            return  # a cancel's DELETE still needs the connection; it closes it
        self._loop.run_in_executor(None, self._sender.close)

    def _event(self, event: str, data: str) -> bool:
        if event == "output":
            item = json.loads(data)
            return self.put_blocking(from_runtime_data(_wire.from_json(item["data"])))
        if event == "end":
            self.finish_threadsafe(None)
            return False
        if event == "error":
            self.finish_threadsafe(error_from_json(json.loads(data)))
            return False
        return True

    async def _send(self, data, metadata) -> None:
        await self._opened()
        body = {"data": _wire.to_json(data), "metadata": dict(metadata)} if metadata else _wire.to_json(data)
        try:
            await self._loop.run_in_executor(None, self._sender.call, "POST", f"/v1/sessions/{self.session_id}/input", body)
        except PipelineError:
            # The session failed: the output stream carries the real error; wait briefly for it.
            await asyncio.sleep(0.05)
            if self._error is not None:
                raise self._error from None
            raise

    async def _end(self) -> None:
        await self._opened()
        await self._loop.run_in_executor(None, self._sender.call, "POST", f"/v1/sessions/{self.session_id}/end", None)

    def _cancel(self) -> None:
        sid = self.session_id
        if sid is not None:
            threading.Thread(target=self._delete, args=(sid,), daemon=True).start()
        if self._sse is not None and self._sse.sock is not None:
            try:
                self._sse.sock.shutdown(2)
            except OSError:
                pass

    def _delete(self, sid: str) -> None:
        try:
            self._sender.call("DELETE", f"/v1/sessions/{sid}", None)
        except Exception:  # noqa: BLE001
            pass
        finally:
            self._sender.close()


class _ThreadClient:
    """Requests of one session, serialized on one kept-alive connection."""

    def __init__(self, client: HttpClient):
        self._client = client
        self._lock = threading.Lock()
        self._conn: Optional[http.client.HTTPConnection] = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def call(self, method: str, path: str, body: Any) -> Any:
        with self._lock:
            saved = getattr(self._client._local, "conn", None)
            self._client._local.conn = self._conn
            try:
                return self._client.request(method, path, body)
            finally:
                self._conn = self._client._local.conn
                self._client._local.conn = saved


# -- gRPC ---------------------------------------------------------------------------------------
_EXECUTE = "/remotemedia.v1.PipelineExecutionService/ExecutePipeline"
_VERSION = "/remotemedia.v1.PipelineExecutionService/GetVersion"
_STREAM = "/remotemedia.v1.StreamingPipelineService/StreamPipeline"


def _grpc():
    try:
        import grpc  # noqa: PLC0415
    except ImportError as exc:
        raise ImportError(
            "talking to a gRPC server needs grpcio: `pip install remotemedia[grpc]` (or grpcio), "
            "or on Debian/Ubuntu `apt install python3-grpcio` with a venv made with --system-site-packages. "
            "The HTTP server needs nothing extra."
        ) from exc
    return grpc


def _grpc_error(exc) -> Exception:
    details = None
    try:
        for key, value in exc.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                details = _wire.decode_status_details(value)
    except Exception:  # noqa: BLE001
        details = None
    if details and details.get("code"):
        return error_from_json(details)
    code = getattr(exc.code(), "name", "UNKNOWN").lower() if callable(getattr(exc, "code", None)) else "unknown"
    message = exc.details() if callable(getattr(exc, "details", None)) else str(exc)
    return error_from_json({"code": "canceled" if code == "cancelled" else code, "message": message or "gRPC call failed"})


class GrpcClient(RemoteClient):
    """A RemoteMedia gRPC server (apps/grpc-server), through grpcio."""

    def __init__(self, target: str, token: Optional[str] = None, tls: bool = False, timeout: float = 60.0):
        grpc = _grpc()
        self.url = target
        self._metadata = [("authorization", f"Bearer {token}")] if token else []
        options = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]
        self._channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(), options) if tls else grpc.insecure_channel(target, options)
        self._timeout = timeout
        self._execute = self._channel.unary_unary(_EXECUTE)
        self._version = self._channel.unary_unary(_VERSION)
        self._stream = self._channel.stream_stream(_STREAM)

    def execute_pipeline_with_input_sync(self, manifest, inputs, *, timeout=None):
        grpc = _grpc()
        data = _marshal_all(inputs)
        request = _wire.pb_str(1, manifest_text(manifest)) + b"".join(_wire.pb_bytes(2, _wire.encode_data_chunk(d)) for d in data)
        try:
            answer = self._execute(request, timeout=timeout or self._timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise _grpc_error(exc) from None
        return [from_runtime_data(d) for d in _wire.decode_outputs(answer)]

    def get_runtime_version(self) -> str:
        grpc = _grpc()
        try:
            answer = self._version(b"", timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise _grpc_error(exc) from None
        for field, _, value in _wire.pb_fields(answer):
            if field == 1:
                return bytes(value).decode()
        return ""

    def stream(self, manifest, *, window=32) -> StreamSession:
        return _GrpcStreamSession(self, manifest_text(manifest), window)

    def close(self) -> None:
        self._channel.close()


_END_REQUESTS = object()


class _GrpcStreamSession(StreamSession):
    """StreamPipeline: init -> ready; data chunks -> results; end -> closed."""

    def __init__(self, client: GrpcClient, manifest: str, window: int):
        super().__init__(window)
        self._requests: "queue.Queue" = queue.Queue(maxsize=2)
        self._requests.put(_wire.pb_bytes(1, _wire.pb_str(1, manifest)))
        self._ready = self._loop.create_future()
        self._call = client._stream(self._iterate_requests(), metadata=client._metadata)
        threading.Thread(target=self._read, name="remotemedia-grpc-stream", daemon=True).start()

    def _iterate_requests(self):
        while True:
            item = self._requests.get()
            if item is _END_REQUESTS:
                return
            yield item

    def _read(self) -> None:
        grpc = _grpc()
        try:
            for response in self._call:
                for field, _, value in _wire.pb_fields(response):
                    if field == 1:
                        sid = next((bytes(v).decode() for n, _, v in _wire.pb_fields(value) if n == 1), "")
                        try:
                            self._loop.call_soon_threadsafe(self._set_ready, sid)
                        except RuntimeError:  # the event loop is closed
                            self._call.cancel()
                            return
                    elif field == 2:
                        if not self.put_blocking(from_runtime_data(_wire.decode_data_chunk(value)[0])):
                            self._call.cancel()
                            return
                    elif field == 4:
                        self.finish_threadsafe(None)
            self.finish_threadsafe(None)
        except grpc.RpcError as exc:
            self.finish_threadsafe(None if self._cancelled else _grpc_error(exc))
        except Exception as exc:  # noqa: BLE001
            self.finish_threadsafe(exc)
        finally:
            try:
                self._loop.call_soon_threadsafe(self._set_ready, None)
            except RuntimeError:  # the event loop is closed
                pass

    def _set_ready(self, sid) -> None:
        if sid:
            self.session_id = sid
        if not self._ready.done():
            self._ready.set_result(None)

    async def _opened(self) -> None:
        await self._ready
        if self._error is not None:
            raise self._error

    def _put(self, item) -> None:
        while True:
            if self._finished:
                return
            try:
                self._requests.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    async def _send(self, data, metadata) -> None:
        await self._opened()
        request = _wire.pb_bytes(2, _wire.encode_data_chunk(data, dict(metadata) if metadata else None))
        try:
            self._requests.put_nowait(request)
        except queue.Full:
            await self._loop.run_in_executor(None, self._put, request)
        if self._error is not None:
            raise self._error

    async def _end(self) -> None:
        await self._opened()
        await self._loop.run_in_executor(None, self._put, _wire.pb_bytes(3, b""))
        await self._loop.run_in_executor(None, self._put, _END_REQUESTS)

    def _cancel(self) -> None:
        self._call.cancel()


# -- connect ------------------------------------------------------------------------------------
def _probe_http(host: str, port: int, https: bool) -> bool:
    cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
    conn = cls(host, port, timeout=3)
    try:
        conn.request("GET", "/health", headers={"accept": "application/json"})
        resp = conn.getresponse()
        body = resp.read(4096)
        return b'"status"' in body
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def connect(url: str, *, token: Optional[str] = None, protocol: str = "auto", timeout: float = 60.0) -> RemoteClient:
    """A client of the RemoteMedia server at ``url`` with the calls of the local runtime.

    ``protocol``: ``"auto"`` (``grpc://``/``grpcs://`` are gRPC; for ``http(s)://`` an HTTP/1.1
    ``GET /health`` tells an HTTP server from a gRPC one), ``"http"`` or ``"grpc"``.
    ``token``: bearer token of servers started with auth tokens.
    """
    parsed = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    scheme = parsed.scheme
    host = parsed.hostname or "127.0.0.1"
    if protocol not in ("auto", "http", "grpc"):
        raise ValueError(f"protocol must be 'auto', 'http' or 'grpc', got {protocol!r}")
    if scheme in ("grpc", "grpcs"):
        protocol = "grpc"
    elif scheme not in ("http", "https"):
        raise ValueError(f"unsupported URL scheme {scheme!r} in {url!r}: use http://, https://, grpc:// or grpcs://")
    tls = scheme in ("https", "grpcs")
    port = parsed.port or (443 if tls else 50051 if scheme.startswith("grpc") else 80)
    if protocol == "auto":
        protocol = "http" if _probe_http(host, port, tls) else "grpc"
    if protocol == "http":
        return HttpClient(f"{'https' if tls else 'http'}://{host}:{port}{parsed.path}", token, timeout)
    return GrpcClient(f"{host}:{port}", token, tls, timeout)
