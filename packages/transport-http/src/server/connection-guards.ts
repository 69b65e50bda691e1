import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';

/** One `%`-encoded path segment, decoded; malformed encoding is the client's mistake (400 naming `what`), not a server error. */
export function decodePathSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RemoteMediaError(Code.InvalidArgument, `${what}: malformed percent-encoding in ${JSON.stringify(segment.slice(0, 100))}`, {
      details: [{ path: what, message: 'malformed percent-encoding in the path' }],
      reason: 'MalformedPath',
    });
  }
}

/**
 * Answers a connection that never became a request (unparseable, too slow, refused upgrade) with
 * a JSON error, then closes it for good: destroyed once the answer is flushed, or after 1 s if
 * the client does not read it.
 */
export function refuseSocket(socket: Duplex, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}Connection: close\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}
