/**
 * Compares two secrets in time independent of where they differ (browser-safe, so no node:crypto).
 * Length still leaks, as with every such comparison; tokens should be of fixed length.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return equalBytes(encoder.encode(a), encoder.encode(b));
}

const encoder = new TextEncoder();

function equalBytes(ea: Uint8Array, eb: Uint8Array): boolean {
  let diff = ea.length ^ eb.length;
  const n = Math.max(ea.length, eb.length);
  for (let i = 0; i < n; i++) diff |= (ea[i % (ea.length || 1)] ?? 0) ^ (eb[i % (eb.length || 1)] ?? 0);
  return diff === 0;
}

/**
 * `tokenAllowed` against a fixed list, with the list encoded once: servers check every request,
 * and re-encoding every configured token per call showed in `pnpm bench http`.
 */
export function createTokenCheck(allowed: readonly string[]): (token: string | undefined) => boolean {
  const encoded = allowed.map((t) => encoder.encode(t));
  return (token) => {
    if (token === undefined) return false;
    const given = encoder.encode(token);
    let ok = false;
    for (const candidate of encoded) ok = equalBytes(given, candidate) || ok;
    return ok;
  };
}

/** True when `token` equals any of `allowed`; every candidate is compared, so timing does not say which. */
export function tokenAllowed(token: string | undefined, allowed: readonly string[]): boolean {
  return createTokenCheck(allowed)(token);
}

/** Extracts the token of an `Authorization: Bearer <token>` header value. */
export function parseBearer(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  // The usual spelling without the regex: this runs on every request.
  if (header.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1]!.trim() : undefined;
}
