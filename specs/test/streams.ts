// Reading the streaming wires of the HTTP server as raw messages, for validation against the spec.
import WebSocket from 'ws';
import type { WireJson } from './spec-documents.js';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** Parses a whole Server-Sent Events text (comment lines such as `: ping` are skipped). */
export function sseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const at = line.indexOf(': ');
        if (at > 0) fields[line.slice(0, at)] = (fields[line.slice(0, at)] ? `${fields[line.slice(0, at)]}\n` : '') + line.slice(at + 2);
      }
      return { id: fields.id, event: fields.event ?? 'message', data: fields.data ?? '' };
    });
}

export interface WebSocketExchange {
  sent: unknown[];
  /** Every JSON message the server sent, in order (binary frames: their header). */
  received: WireJson[];
  /** The HTTP answer when the upgrade was refused. */
  refused?: { status: number; contentType: string | null; body: string };
}

/**
 * Opens a WebSocket (subprotocol `remotemedia.v1`), sends `messages` as JSON text frames and
 * collects what the server sends until it closes the socket (or refuses the upgrade).
 */
export function webSocketExchange(url: string, headers: Record<string, string>, messages: unknown[]): Promise<WebSocketExchange> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['remotemedia.v1'], { headers });
    const received: WireJson[] = [];
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res
        .on('data', (d: Buffer) => (body += d.toString()))
        .on('end', () => resolve({ sent: [], received, refused: { status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, body } }));
    });
    ws.on('open', () => {
      for (const m of messages) ws.send(JSON.stringify(m));
      // Nothing to send but refusals to see: close once the server said it started.
      if (!messages.length) ws.close();
    });
    ws.on('message', (raw: Buffer, isBinary) => {
      if (!isBinary) return void received.push(JSON.parse(raw.toString('utf8')));
      const length = raw.readUInt32LE(0);
      received.push(JSON.parse(raw.subarray(4, 4 + length).toString('utf8')));
    });
    ws.on('close', () => resolve({ sent: messages, received }));
    ws.on('error', (error) => (error.message.includes('Unexpected server response') ? undefined : reject(error)));
  });
}
