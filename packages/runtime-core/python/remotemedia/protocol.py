"""The framed binary IPC protocol between runtime-core (Node.js) and Python processes.

Specified in docs/python-nodes.md and implemented a second time in
src/nodejs/multiprocess/frame-codec.ts; tests run the two against each other.

Frame: u32 length (bytes after this field) | u8 frame type | u8 data kind | u16 flags | u32 request id | body.
Data body: u32 meta length | meta JSON (space-padded so the payload starts 8-byte aligned) | payload bytes.
"""
from __future__ import annotations

import json
import os
import struct

from . import data as rd
from .enums import (CONTROL_TYPES, DATA_KINDS, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES,
                    VIDEO_CODECS, enum_name)

HEADER = struct.Struct("<IBBHI")
HEADER_SIZE = HEADER.size  # 12
META_LEN = struct.Struct("<I")

# Frame types. Host -> Python process:
INIT, PROCESS, FLUSH, CANCEL, CONTROL, CLOSE = 1, 2, 3, 4, 5, 6
# Python process -> host:
READY, OUTPUT, DONE, ERROR, PROGRESS = 16, 17, 18, 19, 20
# Python caller -> Node bridge (answers use OUTPUT, DONE, ERROR):
EXECUTE, INPUT, END_INPUT, VERSION = 32, 33, 34, 35

# Caller channel only (Python caller <-> Node bridge, src/nodejs/python-bridge/python-bridge.ts):
# ACCEPTED: bridge -> caller, an input of a streaming call was accepted (backpressure);
# CREDIT {n}: caller -> bridge, n more outputs of a streaming call may be sent (output flow control).
ACCEPTED, CREDIT = 36, 37
BRIDGE_FRAME_TYPES = {"ACCEPTED": ACCEPTED, "CREDIT": CREDIT}

FRAME_TYPES = {
    "INIT": INIT, "PROCESS": PROCESS, "FLUSH": FLUSH, "CANCEL": CANCEL, "CONTROL": CONTROL, "CLOSE": CLOSE,
    "READY": READY, "OUTPUT": OUTPUT, "DONE": DONE, "ERROR": ERROR, "PROGRESS": PROGRESS,
    "EXECUTE": EXECUTE, "INPUT": INPUT, "END_INPUT": END_INPUT, "VERSION": VERSION,
}

def _max_frame_bytes():
    raw = os.environ.get("REMOTEMEDIA_MAX_FRAME_BYTES", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1 << 31


#: Largest frame (bytes after the length field) read or written. A node process gets the host's
#: limit (PythonRuntimeOptions.maxFrameBytes, default 64 MiB) in REMOTEMEDIA_MAX_FRAME_BYTES.
MAX_FRAME_BYTES = _max_frame_bytes()
#: Flag of an OUTPUT frame: the last output of its request (no DONE frame follows).
FLAG_END = 1


class ProtocolError(Exception):
    pass


class FrameTooLargeError(ProtocolError):
    """A frame to write is bigger than MAX_FRAME_BYTES (an output too big to send)."""


def _check_length(length, frame_type):
    if length > MAX_FRAME_BYTES:
        what = "output" if frame_type == OUTPUT else f"frame of type {frame_type}"
        raise FrameTooLargeError(f"{what} of {length} bytes is over the limit maxFrameBytes={MAX_FRAME_BYTES}")


# One encoder for every frame: json.dumps with options would build a new one per call.
_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_decode_json = json.JSONDecoder().decode
_KIND_NAMES = {v: k for k, v in DATA_KINDS.items()}


def _dumps(value) -> bytes:
    return _encode_json(value).encode("utf-8")


def _loads(raw) -> object:
    return _decode_json(str(raw, "utf-8"))


# Streams repeat the same meta (an audio stream's rate and channels): parse each distinct one once.
# Callers only read the parsed dicts.
_meta_cache: dict = {}


def _loads_meta(raw) -> dict:
    key = bytes(raw)
    meta = _meta_cache.get(key)
    if meta is None:
        meta = _loads(key)
        if not isinstance(meta, dict):
            raise ProtocolError("data frame meta is not a JSON object")
        if len(_meta_cache) >= 256:
            _meta_cache.clear()
        _meta_cache[key] = meta
    return meta


_audio_meta_cache: dict = {}


def json_frame(frame_type: int, request_id: int, value=None) -> bytes:
    body = b"" if value is None else _dumps(value)
    _check_length(HEADER_SIZE - 4 + len(body), frame_type)
    return HEADER.pack(HEADER_SIZE - 4 + len(body), frame_type, 0, 0, request_id) + body


def data_frame(frame_type: int, request_id: int, data, metadata=None, flags=0):
    """RuntimeData -> a list of buffers to write in order (the payload is not copied)."""
    if not metadata and getattr(data, "kind", None) == "audio" and data.timestamp_us is None and data.stream_id is None:
        # Hot path of audio streams: the meta of a (rate, channels) pair is built once.
        key = (data.sample_rate, data.channels)
        meta_part = _audio_meta_cache.get(key)
        if meta_part is None:
            meta_part = _meta_bytes({"sampleRate": data.sample_rate, "channels": data.channels})
            _audio_meta_cache[key] = meta_part
        payload = _bytes_like(rd.samples_bytes(data.samples))
        length = HEADER_SIZE - 4 + len(meta_part) + len(payload)
        if length > MAX_FRAME_BYTES:
            _check_length(length, frame_type)
        return [HEADER.pack(length, frame_type, 1, flags, request_id) + meta_part, payload]
    kind, meta, payload = _encode_data(data)
    if metadata:
        meta["metadata"] = metadata
    meta_part = _meta_bytes(meta)
    length = HEADER_SIZE - 4 + len(meta_part) + len(payload)
    if length > MAX_FRAME_BYTES:
        _check_length(length, frame_type)
    head = HEADER.pack(length, frame_type, DATA_KINDS[kind], flags, request_id) + meta_part
    return [head, payload] if len(payload) else [head]


def _meta_bytes(meta) -> bytes:
    """u32 length + meta JSON, space-padded so the payload that follows is 8-byte aligned."""
    meta_bytes = _dumps(meta)
    pad = (-(HEADER_SIZE + 4 + len(meta_bytes))) % 8
    if pad:
        meta_bytes += b" " * pad
    return META_LEN.pack(len(meta_bytes)) + meta_bytes


def _encode_data(data):
    kind = getattr(data, "kind", None)
    if kind == "audio":
        meta = {"sampleRate": data.sample_rate, "channels": data.channels}
        _opt(meta, "timestampUs", data.timestamp_us)
        _opt(meta, "streamId", data.stream_id)
        return kind, meta, _bytes_like(rd.samples_bytes(data.samples))
    if kind == "video":
        meta = {"width": data.width, "height": data.height, "pixelFormat": PIXEL_FORMATS[data.pixel_format]}
        if data.codec is not None:
            meta["codec"] = VIDEO_CODECS[data.codec]
        _opt(meta, "frameNumber", data.frame_number)
        _opt(meta, "timestampUs", data.timestamp_us)
        _opt(meta, "keyframe", data.keyframe)
        _opt(meta, "streamId", data.stream_id)
        return kind, meta, _bytes_like(data.pixels)
    if kind == "image":
        meta = {"format": IMAGE_FORMATS[data.format]}
        _opt(meta, "width", data.width)
        _opt(meta, "height", data.height)
        return kind, meta, _bytes_like(data.data)
    if kind == "tensor":
        return kind, {"shape": [int(s) for s in data.shape], "dtype": TENSOR_DTYPES[data.dtype]}, _bytes_like(data.data)
    if kind == "json":
        try:
            payload = _dumps(data.value)
        except (ValueError, TypeError):
            payload = _dumps(rd.json_safe(data.value))  # NaN/Inf -> null, or a TypeError naming the path
        return kind, {}, payload
    if kind == "text":
        meta = {}
        _opt(meta, "channel", data.channel)
        return kind, meta, data.text.encode("utf-8", "surrogatepass")
    if kind == "binary":
        meta = {}
        _opt(meta, "mimeType", data.mime_type)
        return kind, meta, _bytes_like(data.data)
    if kind == "control":
        meta = {"type": CONTROL_TYPES[data.type]}
        _opt(meta, "targetNodeIds", data.target_node_ids)
        _opt(meta, "batchSize", data.batch_size)
        _opt(meta, "deadlineUs", data.deadline_us)
        _opt(meta, "reason", data.reason)
        return kind, meta, b""
    raise TypeError(f"not RuntimeData: {type(data).__name__}")


def _opt(meta, key, value):
    if value is not None:
        meta[key] = value


def _bytes_like(value):
    if isinstance(value, (bytes, bytearray)):
        return value
    if isinstance(value, memoryview):
        return value if value.format == "B" and value.ndim == 1 else value.cast("B")
    np = rd.loaded_numpy()
    if np is not None and isinstance(value, np.ndarray):
        return memoryview(np.ascontiguousarray(value)).cast("B")
    return bytes(value)


def frame_json(frame):
    """The JSON body of a control-plane frame (None when empty)."""
    return _loads(frame[HEADER_SIZE:]) if len(frame) > HEADER_SIZE else None


def decode_data(kind_number: int, frame):
    """A whole data frame -> (RuntimeData, metadata dict). Payload views share the frame's memory."""
    (meta_len,) = META_LEN.unpack_from(frame, HEADER_SIZE)
    start = HEADER_SIZE + 4
    meta = _loads_meta(frame[start : start + meta_len]) if meta_len else {}
    payload = memoryview(frame)[start + meta_len :]
    metadata = meta.get("metadata") or {}
    kind = _KIND_NAMES.get(kind_number) or enum_name(DATA_KINDS, kind_number, "data kind")
    data: object
    if kind == "audio":
        data = rd.Audio(rd.float32_samples(payload), meta["sampleRate"], meta.get("channels", 1), meta.get("timestampUs"), meta.get("streamId"))
    elif kind == "video":
        codec = meta.get("codec")
        data = rd.Video(
            payload, meta["width"], meta["height"], enum_name(PIXEL_FORMATS, meta.get("pixelFormat", 0), "pixel format"),
            None if codec is None else enum_name(VIDEO_CODECS, codec, "video codec"),
            meta.get("frameNumber"), meta.get("timestampUs"), meta.get("keyframe"), meta.get("streamId"),
        )
    elif kind == "image":
        data = rd.Image(payload, enum_name(IMAGE_FORMATS, meta.get("format", 0), "image format"), meta.get("width"), meta.get("height"))
    elif kind == "tensor":
        data = rd.Tensor(payload, list(meta["shape"]), enum_name(TENSOR_DTYPES, meta["dtype"], "tensor dtype"))
    elif kind == "json":
        data = rd.Json(_loads(payload))
    elif kind == "text":
        data = rd.Text(str(payload, "utf-8", "surrogatepass"), meta.get("channel"))
    elif kind == "binary":
        data = rd.Binary(payload, meta.get("mimeType"))
    else:
        data = rd.Control(
            enum_name(CONTROL_TYPES, meta["type"], "control type"), meta.get("targetNodeIds"),
            meta.get("batchSize"), meta.get("deadlineUs"), meta.get("reason"),
        )
    return data, metadata


class FrameReader:
    """Reassembles frames from a byte stream.

    Each frame comes back whole (from its length field on) as its own bytearray, so payloads
    are writable for numpy and 8-byte aligned.
    """

    def __init__(self):
        self._buf = bytearray()
        #: Bytes still needed to complete the frame being received (0 when none is partial).
        self.missing = 0

    def feed(self, chunk):
        buf = self._buf
        if not buf and len(chunk) >= HEADER_SIZE:
            length, ftype, kind, _flags, rid = HEADER.unpack_from(chunk, 0)
            if 4 + length == len(chunk) and length >= HEADER_SIZE - 4:  # the usual case: one whole frame per read
                self.missing = 0
                return [(ftype, kind, rid, bytearray(chunk))]
        buf += chunk
        frames = []
        pos = 0
        n = len(buf)
        self.missing = 0
        while n - pos >= HEADER_SIZE:
            length, ftype, kind, _zero, rid = HEADER.unpack_from(buf, pos)
            if length < HEADER_SIZE - 4:
                raise ProtocolError(f"bad frame length {length}")
            if length > MAX_FRAME_BYTES:
                raise ProtocolError(f"frame length {length} bytes is over the limit maxFrameBytes={MAX_FRAME_BYTES}")
            end = pos + 4 + length
            if end > n:
                self.missing = end - n
                break
            frames.append((ftype, kind, rid, buf[pos:end]))
            pos = end
        if pos:
            del buf[:pos]
        return frames
