import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { parseBearer, tokenAllowed } from '@remotemedia/runtime-core/kit';
import type { IncomingMessage } from 'node:http';

/**
 * Checks the bearer token of an HTTP request or WebSocket upgrade: the `Authorization` header,
 * or a `token` query parameter (browsers cannot set headers on WebSocket upgrades).
 */
export function checkRequestAuth(req: IncomingMessage, tokens: readonly string[]): void {
  if (!tokens.length) return;
  const header = req.headers.authorization;
  const fromHeader = header === undefined ? undefined : parseBearer(header);
  const fromQuery = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
  const token = fromHeader ?? fromQuery;
  if (!tokenAllowed(token, tokens)) {
    throw new RemoteMediaError(Code.Unauthenticated, token === undefined ? 'missing bearer token' : 'invalid bearer token');
  }
}
