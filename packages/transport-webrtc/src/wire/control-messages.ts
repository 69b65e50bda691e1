import { Code, type ControlMessage, RemoteMediaError, type RemoteMediaErrorJson } from '@remotemedia/runtime-core';

/** The label of the ordered data channel carrying RuntimeData frames. */
export const DATA_CHANNEL_LABEL = 'remotemedia-data';
/** The label of the ordered channel carrying control messages (JSON text). */
export const CONTROL_CHANNEL_LABEL = 'remotemedia-control';

/**
 * Client -> server. `after` counts the data frames the client had sent before this message,
 * so the server applies it in order with the data even though the channels are independent.
 */
export type ClientControl =
  /** A ControlMessage applied after `after` data frames, or at once when `after` is absent. */
  { type: 'control'; after?: number; control: ControlMessage } | { type: 'end_of_stream'; after: number } | { type: 'close'; reason?: string };

/** Server -> client. `outputs` counts the data frames the server sent before this message. */
export type ServerControl =
  { type: 'ready'; sessionId: string } | { type: 'end'; outputs: number } | { type: 'error'; outputs: number; error: RemoteMediaErrorJson };

const CONTROL_TYPES = new Set(['interrupt', 'cancel', 'flush', 'batch_hint', 'deadline', 'end_of_stream']);
const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseJson(text: string | Uint8Array, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : new TextDecoder().decode(text));
  } catch (error) {
    throw new RemoteMediaError(Code.InvalidArgument, `${where}: message is not JSON`, { cause: error });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new RemoteMediaError(Code.InvalidArgument, `${where}: message must be a JSON object`);
  return value as Record<string, unknown>;
}

export function parseClientControl(text: string | Uint8Array): ClientControl {
  const m = parseJson(text, 'control channel');
  switch (m.type) {
    case 'control': {
      const c = m.control as ControlMessage | undefined;
      if (m.after !== undefined && !count(m.after)) throw new RemoteMediaError(Code.InvalidArgument, 'control channel: "after" must be a non-negative integer');
      if (!c || typeof c !== 'object' || !CONTROL_TYPES.has(c.type)) {
        throw new RemoteMediaError(Code.InvalidArgument, `control channel: control.type must be one of ${[...CONTROL_TYPES].join(', ')}`);
      }
      return m.after === undefined ? { type: 'control', control: c } : { type: 'control', after: m.after, control: c };
    }
    case 'end_of_stream':
      if (!count(m.after)) throw new RemoteMediaError(Code.InvalidArgument, 'control channel: "after" must be a non-negative integer');
      return { type: 'end_of_stream', after: m.after };
    case 'close':
      return typeof m.reason === 'string' ? { type: 'close', reason: m.reason } : { type: 'close' };
    default:
      throw new RemoteMediaError(
        Code.InvalidArgument,
        `control channel: unknown message type ${JSON.stringify(m.type)}; expected control, end_of_stream or close`,
      );
  }
}

export function parseServerControl(text: string | Uint8Array): ServerControl {
  const m = parseJson(text, 'control channel');
  if (m.type === 'ready' && typeof m.sessionId === 'string') return { type: 'ready', sessionId: m.sessionId };
  if (m.type === 'end' && count(m.outputs)) return { type: 'end', outputs: m.outputs };
  if (m.type === 'error' && count(m.outputs) && m.error && typeof m.error === 'object')
    return { type: 'error', outputs: m.outputs, error: m.error as RemoteMediaErrorJson };
  throw new RemoteMediaError(Code.InvalidArgument, `control channel: unexpected server message ${JSON.stringify(m).slice(0, 200)}`);
}
