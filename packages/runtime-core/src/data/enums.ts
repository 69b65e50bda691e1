/**
 * The canonical numbering of every enum in RuntimeData. Wire formats (protobuf, IPC,
 * data channels) carry these numbers; none may invent its own. Documented in docs/data-model.md.
 * Zero is always "unspecified" so a missing field on any wire decodes to it.
 */
export const PIXEL_FORMATS = {
  unspecified: 0,
  rgb24: 1,
  rgba32: 2,
  bgr24: 3,
  bgra32: 4,
  gray8: 5,
  yuv420p: 6,
  nv12: 7,
  encoded: 8,
} as const;
export type PixelFormat = keyof typeof PIXEL_FORMATS;

export const VIDEO_CODECS = {
  unspecified: 0,
  raw: 1,
  h264: 2,
  vp8: 3,
  vp9: 4,
  av1: 5,
} as const;
export type VideoCodec = keyof typeof VIDEO_CODECS;

export const IMAGE_FORMATS = {
  unspecified: 0,
  png: 1,
  jpeg: 2,
  webp: 3,
  gif: 4,
  bmp: 5,
} as const;
export type ImageFormat = keyof typeof IMAGE_FORMATS;

/** Tensor element types with their size in bytes. */
export const TENSOR_DTYPES = {
  unspecified: 0,
  float32: 1,
  float64: 2,
  int8: 3,
  uint8: 4,
  int16: 5,
  uint16: 6,
  int32: 7,
  uint32: 8,
  int64: 9,
  uint64: 10,
  float16: 11,
  bool: 12,
} as const;
export type TensorDType = keyof typeof TENSOR_DTYPES;

export const TENSOR_DTYPE_BYTES: Readonly<Record<TensorDType, number>> = {
  unspecified: 1,
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float16: 2,
  bool: 1,
};

export const CONTROL_TYPES = {
  unspecified: 0,
  interrupt: 1,
  cancel: 2,
  flush: 3,
  batch_hint: 4,
  deadline: 5,
  end_of_stream: 6,
} as const;
export type ControlType = keyof typeof CONTROL_TYPES;

/** The RuntimeData kinds, numbered for wire formats that need a tag byte. */
export const DATA_KINDS = {
  audio: 1,
  video: 2,
  image: 3,
  tensor: 4,
  json: 5,
  text: 6,
  binary: 7,
  control: 8,
} as const;
export type DataKind = keyof typeof DATA_KINDS;

type EnumTable = Readonly<Record<string, number>>;

/** Number -> name lookup for a canonical table; throws on numbers outside it. */
export function enumName<T extends EnumTable>(table: T, value: number, what: string): keyof T & string {
  for (const key in table) if (table[key] === value) return key;
  throw new RangeError(`unknown ${what} ${value}; expected one of ${Object.values(table).join(', ')}`);
}
