"""The canonical enum numbers of RuntimeData, copied from runtime-core's src/data/enums.ts.

Wire frames carry these numbers; a test compares this file with the TypeScript tables.
"""

PIXEL_FORMATS = {
    "unspecified": 0, "rgb24": 1, "rgba32": 2, "bgr24": 3, "bgra32": 4,
    "gray8": 5, "yuv420p": 6, "nv12": 7, "encoded": 8,
}
VIDEO_CODECS = {"unspecified": 0, "raw": 1, "h264": 2, "vp8": 3, "vp9": 4, "av1": 5}
IMAGE_FORMATS = {"unspecified": 0, "png": 1, "jpeg": 2, "webp": 3, "gif": 4, "bmp": 5}
TENSOR_DTYPES = {
    "unspecified": 0, "float32": 1, "float64": 2, "int8": 3, "uint8": 4, "int16": 5,
    "uint16": 6, "int32": 7, "uint32": 8, "int64": 9, "uint64": 10, "float16": 11, "bool": 12,
}
CONTROL_TYPES = {
    "unspecified": 0, "interrupt": 1, "cancel": 2, "flush": 3,
    "batch_hint": 4, "deadline": 5, "end_of_stream": 6,
}
DATA_KINDS = {
    "audio": 1, "video": 2, "image": 3, "tensor": 4,
    "json": 5, "text": 6, "binary": 7, "control": 8,
}

#: numpy dtype strings (little-endian) for each tensor dtype.
NUMPY_DTYPES = {
    "float32": "<f4", "float64": "<f8", "int8": "i1", "uint8": "u1", "int16": "<i2",
    "uint16": "<u2", "int32": "<i4", "uint32": "<u4", "int64": "<i8", "uint64": "<u8",
    "float16": "<f2", "bool": "?", "unspecified": "u1",
}

ALL_TABLES = {
    "PIXEL_FORMATS": PIXEL_FORMATS,
    "VIDEO_CODECS": VIDEO_CODECS,
    "IMAGE_FORMATS": IMAGE_FORMATS,
    "TENSOR_DTYPES": TENSOR_DTYPES,
    "CONTROL_TYPES": CONTROL_TYPES,
    "DATA_KINDS": DATA_KINDS,
}


def enum_name(table, value, what):
    for name, number in table.items():
        if number == value:
            return name
    raise ValueError(f"unknown {what} {value}; expected one of {', '.join(map(str, table.values()))}")
