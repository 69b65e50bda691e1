// Raw wire payloads in tests that speak the protocols by hand (JSON-RPC signaling, HTTP error bodies).
import type { RawData } from 'ws';

/** A JSON message or body as the server sent it: the tests read its fields and check them with expect(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped wire payload (JSON.parse), asserted on field by field
export type WireJson = any;

/** A text message from `ws`, parsed: a Buffer with ws's default binaryType ('nodebuffer'). */
export const parseWsJson = (raw: RawData): WireJson => JSON.parse((raw as Buffer).toString('utf8'));
