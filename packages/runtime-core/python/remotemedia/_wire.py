"""RuntimeData on the wires of RemoteMedia servers: the JSON form of the HTTP API (docs/http-api.md)
and the protobuf messages of the gRPC API (proto/remotemedia/v1), encoded and decoded by hand
(standard library only; the messages are few and small)."""
from __future__ import annotations

import base64
import json
import struct
from typing import Any, Dict, Iterator, List, Optional, Tuple

from . import data as rd
from .enums import CONTROL_TYPES, DATA_KINDS, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES, VIDEO_CODECS, enum_name


def _b64(raw) -> str:
    return base64.b64encode(bytes(raw)).decode("ascii")


def _payload(raw) -> memoryview:
    return memoryview(raw).cast("B") if not isinstance(raw, (bytes, bytearray)) else memoryview(raw)


# -- JSON form ------------------------------------------------------------------------------------
def to_json(d) -> Dict[str, Any]:
    k = d.kind
    if k == "audio":
        out = {"kind": "audio", "samples": _b64(rd.samples_bytes(d.samples)), "sampleRate": d.sample_rate, "channels": d.channels}
        _opt(out, timestampUs=d.timestamp_us, streamId=d.stream_id)
    elif k == "video":
        out = {"kind": "video", "pixels": _b64(_payload(d.pixels)), "width": d.width, "height": d.height, "pixelFormat": d.pixel_format}
        _opt(out, codec=d.codec, frameNumber=d.frame_number, timestampUs=d.timestamp_us, keyframe=d.keyframe, streamId=d.stream_id)
    elif k == "image":
        out = {"kind": "image", "bytes": _b64(_payload(d.data)), "format": d.format}
        _opt(out, width=d.width, height=d.height)
    elif k == "tensor":
        out = {"kind": "tensor", "bytes": _b64(_payload(d.data)), "shape": list(d.shape), "dtype": d.dtype}
    elif k == "json":
        out = {"kind": "json", "value": rd.json_safe(d.value)}
    elif k == "text":
        out = {"kind": "text", "text": d.text}
        _opt(out, channel=d.channel)
    elif k == "binary":
        out = {"kind": "binary", "bytes": _b64(_payload(d.data))}
        _opt(out, mimeType=d.mime_type)
    elif k == "control":
        c = {"type": d.type}
        _opt(c, targetNodeIds=d.target_node_ids, batchSize=d.batch_size, deadlineUs=d.deadline_us, reason=d.reason)
        out = {"kind": "control", "control": c}
    else:  # pragma: no cover
        raise ValueError(f"unknown data kind {k!r}")
    return out


def _opt(out: Dict[str, Any], **fields) -> None:
    for key, value in fields.items():
        if value is not None:
            out[key] = value


def from_json(j: Dict[str, Any]):
    k = j.get("kind")
    if k == "audio":
        return rd.Audio(rd.float32_samples(bytearray(base64.b64decode(j["samples"]))), j["sampleRate"], j.get("channels", 1), j.get("timestampUs"), j.get("streamId"))
    if k == "video":
        return rd.Video(bytearray(base64.b64decode(j["pixels"])), j["width"], j["height"], j.get("pixelFormat", "rgb24"), j.get("codec"), j.get("frameNumber"), j.get("timestampUs"), j.get("keyframe"), j.get("streamId"))
    if k == "image":
        return rd.Image(bytearray(base64.b64decode(j["bytes"])), j.get("format", "png"), j.get("width"), j.get("height"))
    if k == "tensor":
        return rd.Tensor(bytearray(base64.b64decode(j["bytes"])), list(j["shape"]), j.get("dtype", "float32"))
    if k == "json":
        return rd.Json(j.get("value"))
    if k == "text":
        return rd.Text(j["text"], j.get("channel"))
    if k == "binary":
        return rd.Binary(bytearray(base64.b64decode(j["bytes"])), j.get("mimeType"))
    if k == "control":
        c = j.get("control") or {}
        return rd.Control(c.get("type", "unspecified"), c.get("targetNodeIds"), c.get("batchSize"), c.get("deadlineUs"), c.get("reason"))
    raise ValueError(f"unknown data kind {k!r} in a server answer")


# -- protobuf ---------------------------------------------------------------------------------
def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def pb_bytes(field: int, raw) -> bytes:
    raw = bytes(raw)
    return _key(field, 2) + _varint(len(raw)) + raw


def pb_str(field: int, s: Optional[str]) -> bytes:
    return b"" if s is None else pb_bytes(field, s.encode("utf-8"))


def pb_uint(field: int, n: Optional[int], always: bool = False) -> bytes:
    if n is None or (n == 0 and not always):
        return b""
    return _key(field, 0) + _varint(int(n))


def pb_bool(field: int, b: Optional[bool]) -> bytes:
    return b"" if b is None else _key(field, 0) + _varint(1 if b else 0)


def pb_fields(buf) -> Iterator[Tuple[int, int, Any]]:
    """(field number, wire type, value) of every field of a message: ints for varints,
    memoryviews for length-delimited fields."""
    mv = memoryview(buf)
    i, n = 0, len(mv)
    value: Any
    while i < n:
        key, i = _read_varint(mv, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(mv, i)
        elif wire == 2:
            length, i = _read_varint(mv, i)
            value = mv[i : i + length]
            i += length
        elif wire == 1:
            value = struct.unpack_from("<Q", mv, i)[0]
            i += 8
        elif wire == 5:
            value = struct.unpack_from("<I", mv, i)[0]
            i += 4
        else:
            raise ValueError(f"protobuf: unsupported wire type {wire}")
        yield field, wire, value


def _read_varint(mv, i: int) -> Tuple[int, int]:
    shift = result = 0
    while True:
        b = mv[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _signed(n: int) -> int:
    return n - (1 << 64) if n >= 1 << 63 else n


def encode_data_buffer(d) -> bytes:
    k = d.kind
    if k == "audio":
        body = pb_bytes(1, rd.samples_bytes(d.samples)) + pb_uint(2, d.sample_rate) + pb_uint(3, d.channels)
        if d.timestamp_us is not None:
            body += pb_uint(4, d.timestamp_us, True)
        body += pb_str(5, d.stream_id)
    elif k == "video":
        body = pb_bytes(1, _payload(d.pixels)) + pb_uint(2, d.width) + pb_uint(3, d.height) + pb_uint(4, PIXEL_FORMATS[d.pixel_format])
        if d.codec is not None:
            body += pb_uint(5, VIDEO_CODECS[d.codec], True)
        if d.frame_number is not None:
            body += pb_uint(6, d.frame_number, True)
        if d.timestamp_us is not None:
            body += pb_uint(7, d.timestamp_us, True)
        body += pb_bool(8, d.keyframe) + pb_str(9, d.stream_id)
    elif k == "image":
        body = pb_bytes(1, _payload(d.data)) + pb_uint(2, IMAGE_FORMATS[d.format])
        if d.width is not None:
            body += pb_uint(3, d.width, True)
        if d.height is not None:
            body += pb_uint(4, d.height, True)
    elif k == "tensor":
        body = pb_bytes(1, _payload(d.data))
        if d.shape:
            body += pb_bytes(2, b"".join(_varint(int(s)) for s in d.shape))
        body += pb_uint(3, TENSOR_DTYPES[d.dtype])
    elif k == "json":
        body = pb_str(1, json.dumps(rd.json_safe(d.value), separators=(",", ":"), ensure_ascii=False))
    elif k == "text":
        body = pb_str(1, d.text) + pb_str(2, d.channel)
    elif k == "binary":
        body = pb_bytes(1, _payload(d.data)) + pb_str(2, d.mime_type)
    elif k == "control":
        body = pb_uint(1, CONTROL_TYPES[d.type]) + b"".join(pb_str(2, t) for t in d.target_node_ids or [])
        if d.batch_size is not None:
            body += pb_uint(3, d.batch_size, True)
        if d.deadline_us is not None:
            body += pb_uint(4, d.deadline_us, True)
        body += pb_str(5, d.reason)
    else:  # pragma: no cover
        raise ValueError(f"unknown data kind {k!r}")
    return pb_bytes(DATA_KINDS[k], body)


def encode_data_chunk(d, metadata: Optional[Dict[str, str]] = None, node_id: Optional[str] = None) -> bytes:
    out = pb_bytes(1, encode_data_buffer(d))
    for key, value in (metadata or {}).items():
        out += pb_bytes(3, pb_str(1, key) + pb_str(2, value))
    return out + pb_str(4, node_id)


def decode_data_buffer(buf):
    for field, _, value in pb_fields(buf):
        kind = enum_name(DATA_KINDS, field, "data kind")
        f = {n: v for n, _, v in pb_fields(value)} if kind not in ("tensor", "control") else None
        if kind == "audio":
            raw = bytearray(f.get(1, b""))
            return rd.Audio(rd.float32_samples(raw), f.get(2, 0), f.get(3, 0) or 1, _signed(f[4]) if 4 in f else None, _s(f.get(5)))
        if kind == "video":
            return rd.Video(bytearray(f.get(1, b"")), f.get(2, 0), f.get(3, 0), enum_name(PIXEL_FORMATS, f.get(4, 0), "pixel format"),
                            enum_name(VIDEO_CODECS, f[5], "video codec") if 5 in f else None, f.get(6), _signed(f[7]) if 7 in f else None,
                            bool(f[8]) if 8 in f else None, _s(f.get(9)))
        if kind == "image":
            return rd.Image(bytearray(f.get(1, b"")), enum_name(IMAGE_FORMATS, f.get(2, 0), "image format"), f.get(3), f.get(4))
        if kind == "tensor":
            raw, shape, dtype = b"", [], 0
            for n, wire, v in pb_fields(value):
                if n == 1:
                    raw = v
                elif n == 2 and wire == 2:
                    j = 0
                    while j < len(v):
                        s, j = _read_varint(v, j)
                        shape.append(s)
                elif n == 2:
                    shape.append(v)
                elif n == 3:
                    dtype = v
            return rd.Tensor(bytearray(raw), shape, enum_name(TENSOR_DTYPES, dtype, "tensor dtype"))
        if kind == "json":
            return rd.Json(json.loads(bytes(f.get(1, b"null")).decode("utf-8") or "null"))
        if kind == "text":
            return rd.Text(_s(f.get(1)) or "", _s(f.get(2)))
        if kind == "binary":
            return rd.Binary(bytearray(f.get(1, b"")), _s(f.get(2)))
        if kind == "control":
            ctype, targets, batch, deadline, reason = 0, [], None, None, None
            for n, _, v in pb_fields(value):
                if n == 1:
                    ctype = v
                elif n == 2:
                    targets.append(_s(v))
                elif n == 3:
                    batch = v
                elif n == 4:
                    deadline = _signed(v)
                elif n == 5:
                    reason = _s(v)
            return rd.Control(enum_name(CONTROL_TYPES, ctype, "control type"), targets or None, batch, deadline, reason)
    raise ValueError("protobuf: empty DataBuffer")


def _s(v) -> Optional[str]:
    return None if v is None else bytes(v).decode("utf-8")


def decode_data_chunk(buf) -> Tuple[Any, Dict[str, str]]:
    data, metadata = None, {}
    for field, _, value in pb_fields(buf):
        if field == 1:
            data = decode_data_buffer(value)
        elif field == 3:
            entry = {n: _s(v) for n, _, v in pb_fields(value)}
            metadata[entry.get(1) or ""] = entry.get(2) or ""
    return data, metadata


_ERROR_CODES = ("unspecified", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
                "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
                "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated")


def error_code_name(number: int) -> str:
    return _ERROR_CODES[number] if 0 <= number < len(_ERROR_CODES) else "unknown"


def decode_pipeline_error(buf) -> Dict[str, Any]:
    out: Dict[str, Any] = {"details": []}
    for field, _, value in pb_fields(buf):
        if field == 1:
            out["code"] = error_code_name(value)
        elif field == 2:
            out["message"] = _s(value)
        elif field == 3:
            out["nodeId"] = _s(value)
        elif field == 4:
            out["reason"] = _s(value)
        elif field == 5:
            detail = {}
            for n, _, v in pb_fields(value):
                detail["path" if n == 1 else "message"] = _s(v)
            out["details"].append(detail)
    return out


def decode_status_details(buf) -> Optional[Dict[str, Any]]:
    """grpc-status-details-bin (google.rpc.Status) -> the remotemedia.v1.PipelineError in it, as JSON."""
    for field, _, value in pb_fields(buf):
        if field == 3:
            type_url: Optional[str] = ""
            inner: Any = b""
            for n, _, v in pb_fields(value):
                if n == 1:
                    type_url = _s(v)
                elif n == 2:
                    inner = v
            if type_url and type_url.endswith("remotemedia.v1.PipelineError"):
                return decode_pipeline_error(inner)
    return None


def decode_outputs(buf) -> List[Any]:
    """ExecutePipelineResponse -> the output RuntimeData objects."""
    return [decode_data_chunk(value)[0] for field, _, value in pb_fields(buf) if field == 1]
