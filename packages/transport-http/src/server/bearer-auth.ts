import { timingSafeEqual } from 'node:crypto';
import { parseBearer } from '@remotemedia/runtime-core';

/**
 * A bearer-token check against the configured tokens, encoded once: runtime-core's browser-safe
 * `tokenAllowed` encodes both strings again on every call, which showed in the unary benchmark.
 * Every candidate is compared, so timing does not tell which one matched; the token's length
 * still leaks, as with runtime-core's comparison (use tokens of one length).
 */
export function createTokenCheck(tokens: readonly string[]): (token: string | undefined) => boolean {
  const allowed = tokens.map((t) => Buffer.from(t, 'utf8'));
  return (token) => {
    if (token === undefined) return false;
    const given = Buffer.from(token, 'utf8');
    let ok = false;
    for (const candidate of allowed) ok = (given.byteLength === candidate.byteLength && timingSafeEqual(given, candidate)) || ok;
    return ok;
  };
}

/** The token of `Authorization: Bearer <token>`; the common spelling skips runtime-core's regex. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!header.startsWith('Bearer ')) return parseBearer(header);
  const token = header.slice(7).trim();
  return token || undefined;
}
