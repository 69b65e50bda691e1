import type { RuntimeData } from './runtime-data.js';

/** RuntimeData as it crosses a session boundary: with a sequence number and string metadata. */
export interface TransportData {
  data: RuntimeData;
  sequence?: number;
  metadata: Record<string, string>;
}

export function toTransportData(data: RuntimeData, metadata: Record<string, string> = {}, sequence?: number): TransportData {
  return sequence === undefined ? { data, metadata } : { data, metadata, sequence };
}

/** Shared metadata of inputs that carry none; frozen so the hot path can share it without copies. */
export const NO_METADATA: Record<string, string> = Object.freeze({});

/** Accepts RuntimeData or TransportData and returns TransportData. */
export function asTransportData(value: RuntimeData | TransportData): TransportData {
  return 'data' in value && 'metadata' in value ? value : { data: value, metadata: NO_METADATA };
}
