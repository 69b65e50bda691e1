import type { ControlType, DataKind, ImageFormat, PixelFormat, TensorDType, VideoCodec } from './enums.js';
import { TENSOR_DTYPE_BYTES } from './enums.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Interleaved float32 PCM in [-1, 1]. */
export interface AudioData {
  kind: 'audio';
  samples: Float32Array;
  sampleRate: number;
  channels: number;
  timestampUs?: number;
  streamId?: string;
}

export interface VideoData {
  kind: 'video';
  pixels: Uint8Array;
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  codec?: VideoCodec;
  frameNumber?: number;
  timestampUs?: number;
  keyframe?: boolean;
  streamId?: string;
}

/** An encoded still image (PNG, JPEG, ...). */
export interface ImageData {
  kind: 'image';
  bytes: Uint8Array;
  format: ImageFormat;
  width?: number;
  height?: number;
}

/** A dense row-major tensor; `bytes` holds the little-endian elements. */
export interface TensorData {
  kind: 'tensor';
  bytes: Uint8Array;
  shape: number[];
  dtype: TensorDType;
}

export interface JsonData {
  kind: 'json';
  value: JsonValue;
}

export interface TextData {
  kind: 'text';
  text: string;
  /** Optional logical channel, e.g. `transcript` or `assistant`. */
  channel?: string;
}

export interface BinaryData {
  kind: 'binary';
  bytes: Uint8Array;
  mimeType?: string;
}

export interface ControlMessage {
  type: ControlType;
  /** Nodes the message is addressed to; all nodes when absent. */
  targetNodeIds?: string[];
  /** For `batch_hint`: preferred batch size. */
  batchSize?: number;
  /** For `deadline`: absolute deadline in microseconds since the epoch. */
  deadlineUs?: number;
  reason?: string;
}

export interface ControlData {
  kind: 'control';
  control: ControlMessage;
}

/** The ONE data type of the runtime: every node, transport and client speaks it. */
export type RuntimeData = AudioData | VideoData | ImageData | TensorData | JsonData | TextData | BinaryData | ControlData;

export type RuntimeDataOf<K extends DataKind> = Extract<RuntimeData, { kind: K }>;

export const isAudio = (d: RuntimeData): d is AudioData => d.kind === 'audio';
export const isVideo = (d: RuntimeData): d is VideoData => d.kind === 'video';
export const isImage = (d: RuntimeData): d is ImageData => d.kind === 'image';
export const isTensor = (d: RuntimeData): d is TensorData => d.kind === 'tensor';
export const isJson = (d: RuntimeData): d is JsonData => d.kind === 'json';
export const isText = (d: RuntimeData): d is TextData => d.kind === 'text';
export const isBinary = (d: RuntimeData): d is BinaryData => d.kind === 'binary';
export const isControl = (d: RuntimeData): d is ControlData => d.kind === 'control';

export const audio = (samples: Float32Array, sampleRate: number, channels = 1, extra: Partial<AudioData> = {}): AudioData => ({
  kind: 'audio',
  samples,
  sampleRate,
  channels,
  ...extra,
});
export const text = (value: string, channel?: string): TextData =>
  channel === undefined ? { kind: 'text', text: value } : { kind: 'text', text: value, channel };
export const json = (value: JsonValue): JsonData => ({ kind: 'json', value });
export const binary = (bytes: Uint8Array, mimeType?: string): BinaryData =>
  mimeType === undefined ? { kind: 'binary', bytes } : { kind: 'binary', bytes, mimeType };
export const control = (message: ControlMessage): ControlData => ({ kind: 'control', control: message });

/** Payload size in bytes (the bulk data only; strings counted as UTF-8). */
export function byteSize(data: RuntimeData): number {
  switch (data.kind) {
    case 'audio':
      return data.samples.byteLength;
    case 'video':
      return data.pixels.byteLength;
    case 'image':
    case 'tensor':
    case 'binary':
      return data.bytes.byteLength;
    case 'text':
      return utf8Length(data.text);
    case 'json':
      return utf8Length(JSON.stringify(data.value));
    case 'control':
      return 0;
  }
}

/** Duration of an audio buffer in microseconds. */
export function audioDurationUs(data: AudioData): number {
  return Math.round((data.samples.length / data.channels / data.sampleRate) * 1_000_000);
}

/** Frames (samples per channel) in an audio buffer. */
export function audioFrameCount(data: AudioData): number {
  return data.samples.length / data.channels;
}

/** Element count implied by a tensor's shape, and whether its bytes match it. */
export function tensorElementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function expectedTensorBytes(data: Pick<TensorData, 'shape' | 'dtype'>): number {
  return tensorElementCount(data.shape) * TENSOR_DTYPE_BYTES[data.dtype];
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
