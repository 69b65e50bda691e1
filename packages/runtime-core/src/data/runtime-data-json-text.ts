/**
 * The JSON text of RuntimeData's JSON form, written around its base64 payloads. JSON.stringify
 * checks every character of a string for escapes (~1 ns each in Node 20: ~2 us for the 1.7 KB of
 * one 20 ms audio chunk, once when a client sends it and once when the server answers, see
 * `pnpm bench http`); base64 never needs one, so the payload is put in as it is. The parsed
 * value equals `JSON.parse(JSON.stringify(transportDataToJson(item)))`; only the key order
 * differs (the payload comes first).
 */
import { PAYLOAD_FIELDS, runtimeDataToJson } from './runtime-data-json.js';
import type { RuntimeData } from './runtime-data.js';
import type { TransportData } from './transport-data.js';

/** `JSON.stringify(runtimeDataToJson(data))`, faster for kinds with a binary payload. */
export function runtimeDataToJsonText(data: RuntimeData): string {
  const field = (PAYLOAD_FIELDS as Partial<Record<string, string>>)[data.kind];
  if (field === undefined) return JSON.stringify(data);
  // A fresh object for payload kinds (runtimeDataToJson spreads), so the payload can be taken out of it.
  const json = runtimeDataToJson(data) as unknown as Record<string, unknown>;
  const base64 = json[field] as string;
  json[field] = undefined; // left out by JSON.stringify
  // `kind` is always there, so the rest is never an empty object.
  return `{"${field}":"${base64}",${JSON.stringify(json).slice(1)}`;
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
  for (let i = 0; i < items.length; i++) text += (i === 0 ? '' : ',') + transportDataToJsonText(items[i]);
  return `${text}]`;
}
