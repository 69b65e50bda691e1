/**
 * The JSON text of RuntimeData's JSON form, written around its base64 payloads. JSON.stringify
 * checks every character of a string for escapes (~1 ns each in Node 20: ~2 us for the 1.7 KB of
 * one 20 ms audio chunk, once when a client sends it and once when the server answers, see
 * `pnpm bench http`); base64 never needs one, so the payload is put in as it is. The parsed
 * value equals `JSON.parse(JSON.stringify(transportDataToJson(item)))`; only the key order
 * differs (the payload comes first).
 */
import { bytesToBase64, float32ToBytes } from './runtime-data-json.js';
import type { RuntimeData } from './runtime-data.js';
import type { TransportData } from './transport-data.js';

/** `JSON.stringify(runtimeDataToJson(data))`, faster for kinds with a binary payload. */
export function runtimeDataToJsonText(data: RuntimeData): string {
  switch (data.kind) {
    case 'audio':
      return withPayload('samples', bytesToBase64(float32ToBytes(data.samples)), { ...data, samples: undefined });
    case 'video':
      return withPayload('pixels', bytesToBase64(data.pixels), { ...data, pixels: undefined });
    case 'image':
    case 'tensor':
    case 'binary':
      return withPayload('bytes', bytesToBase64(data.bytes), { ...data, bytes: undefined });
    default:
      return JSON.stringify(data);
  }
}

/** `JSON.stringify(transportDataToJson(item))`, faster for kinds with a binary payload. */
export function transportDataToJsonText(item: TransportData): string {
  const metadata = item.metadata === undefined ? '' : `,"metadata":${JSON.stringify(item.metadata)}`;
  const sequence = item.sequence === undefined ? '' : `,"sequence":${JSON.stringify(item.sequence)}`;
  return `{"data":${runtimeDataToJsonText(item.data)}${metadata}${sequence}}`;
}

/** `JSON.stringify(items.map(transportDataToJson))`, faster for kinds with a binary payload. */
export function transportDataListToJsonText(items: readonly TransportData[]): string {
  let text = '[';
  for (let i = 0; i < items.length; i++) text += (i === 0 ? '' : ',') + transportDataToJsonText(items[i]!);
  return `${text}]`;
}

function withPayload(key: string, base64: string, rest: object): string {
  const others = JSON.stringify(rest); // at least {"kind":...}
  return `{"${key}":"${base64}"${others.length > 2 ? `,${others.slice(1)}` : '}'}`;
}
