"""RuntimeData in Python: one class per kind, mirroring runtime-core's TypeScript types.

numpy is optional: with it, audio samples are float32 arrays and tensors expose ``.array``;
without it, audio samples are ``array.array('f')`` and tensors keep raw bytes.
"""
from __future__ import annotations

import array
import math
import sys
from dataclasses import dataclass
from typing import Any, List, Optional

_numpy = None
_numpy_checked = False


def loaded_numpy():
    """numpy if something already imported it: a value can only be an ndarray if numpy is loaded."""
    return sys.modules.get("numpy")


def numpy_or_none():
    """The numpy module when installed (imported on first use, so workers start fast)."""
    global _numpy, _numpy_checked
    if not _numpy_checked:
        _numpy_checked = True
        try:
            import numpy  # noqa: PLC0415

            _numpy = numpy
        except ImportError:  # pragma: no cover - numpy is optional
            _numpy = None
    return _numpy


@dataclass
class Audio:
    """Interleaved float32 PCM in [-1, 1]."""

    samples: Any
    sample_rate: int
    channels: int = 1
    timestamp_us: Optional[int] = None
    stream_id: Optional[str] = None
    kind = "audio"


@dataclass
class Video:
    pixels: Any
    width: int
    height: int
    pixel_format: str = "rgb24"
    codec: Optional[str] = None
    frame_number: Optional[int] = None
    timestamp_us: Optional[int] = None
    keyframe: Optional[bool] = None
    stream_id: Optional[str] = None
    kind = "video"


@dataclass
class Image:
    """An encoded still image (PNG, JPEG, ...)."""

    data: Any
    format: str = "png"
    width: Optional[int] = None
    height: Optional[int] = None
    kind = "image"


@dataclass
class Tensor:
    """A dense row-major tensor: little-endian element bytes plus shape and dtype."""

    data: Any
    shape: List[int]
    dtype: str = "float32"
    kind = "tensor"

    @property
    def array(self):
        """A numpy view of the tensor (needs numpy)."""
        np = numpy_or_none()
        if np is None:
            raise RuntimeError("numpy is not installed; use Tensor.data, .shape and .dtype")
        from .enums import NUMPY_DTYPES

        return np.frombuffer(self.data, dtype=NUMPY_DTYPES[self.dtype]).reshape(self.shape)

    @classmethod
    def from_array(cls, arr) -> "Tensor":
        from .enums import NUMPY_DTYPES

        name = _DTYPE_BY_NUMPY.get(arr.dtype.str) or _DTYPE_BY_NUMPY.get(arr.dtype.newbyteorder("<").str)
        if name is None:
            raise TypeError(f"numpy dtype {arr.dtype} has no RuntimeData tensor dtype; use one of {', '.join(NUMPY_DTYPES)}")
        np = numpy_or_none()
        contiguous = np.ascontiguousarray(arr, dtype=NUMPY_DTYPES[name])
        return cls(data=memoryview(contiguous).cast("B"), shape=list(arr.shape), dtype=name)


@dataclass
class Json:
    value: Any
    kind = "json"


@dataclass
class Text:
    text: str
    channel: Optional[str] = None
    kind = "text"


@dataclass
class Binary:
    data: Any
    mime_type: Optional[str] = None
    kind = "binary"


@dataclass
class Control:
    type: str
    target_node_ids: Optional[List[str]] = None
    batch_size: Optional[int] = None
    deadline_us: Optional[int] = None
    reason: Optional[str] = None
    kind = "control"


RUNTIME_DATA_TYPES = (Audio, Video, Image, Tensor, Json, Text, Binary, Control)

_DTYPE_BY_NUMPY = {
    "<f4": "float32", "<f8": "float64", "|i1": "int8", "|u1": "uint8", "<i2": "int16", "<u2": "uint16",
    "<i4": "int32", "<u4": "uint32", "<i8": "int64", "<u8": "uint64", "<f2": "float16", "|b1": "bool",
}


def json_safe(value, path="value"):
    """Plain Python -> JSON value: NaN and +-Inf become None, tuples become lists.

    Raises TypeError naming the path of anything JSON cannot hold (bytes, objects...).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [json_safe(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{path}: JSON object keys must be strings, got {type(k).__name__}")
            out[k] = json_safe(v, f"{path}.{k}")
        return out
    np = loaded_numpy()
    if np is not None and isinstance(value, np.generic):
        return json_safe(value.item(), path)
    raise TypeError(f"{path}: cannot convert {type(value).__name__} to JSON")


def to_runtime_data(value, path="output"):
    """What a node returned -> RuntimeData.

    RuntimeData passes through; str -> Text; bytes-like -> Binary; numpy array -> Tensor;
    None -> None (no output); bool, int, float, list, dict -> Json (NaN/Inf become null).
    """
    if isinstance(value, RUNTIME_DATA_TYPES):
        return value
    if value is None:
        return None
    if isinstance(value, str):
        return Text(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Binary(value)
    np = loaded_numpy()
    if np is not None and isinstance(value, np.ndarray):
        return Tensor.from_array(value)
    return Json(json_safe(value, path))


def from_runtime_data(data):
    """RuntimeData -> the plain Python value the bridge returns to callers.

    Json -> its value; Text -> str; Binary -> bytes; Tensor -> numpy array (Tensor without numpy);
    audio, video, image and control stay objects.
    """
    if isinstance(data, Json):
        return data.value
    if isinstance(data, Text):
        return data.text
    if isinstance(data, Binary):
        return bytes(data.data)
    if isinstance(data, Tensor):
        return data.array if numpy_or_none() is not None else data
    return data


def float32_samples(raw):
    """float32 little-endian bytes -> numpy float32 array (or array('f') without numpy)."""
    np = numpy_or_none()
    if np is not None:
        return np.frombuffer(raw, dtype="<f4")
    out = array.array("f")
    out.frombytes(bytes(raw))
    return out


def samples_bytes(samples):
    """Audio samples (numpy, array('f'), list of floats or bytes) -> float32 little-endian bytes-like."""
    np = loaded_numpy()
    if np is not None and isinstance(samples, np.ndarray):
        return memoryview(np.ascontiguousarray(samples, dtype="<f4")).cast("B")
    if isinstance(samples, array.array) and samples.typecode == "f":
        return memoryview(samples).cast("B")
    if isinstance(samples, (bytes, bytearray, memoryview)):
        return samples
    return array.array("f", samples).tobytes()
