/**
 * Compares two secrets in time independent of where they differ (browser-safe, so no node:crypto).
 * Length still leaks, as with every such comparison; tokens should be of fixed length.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  const n = Math.max(ea.length, eb.length);
  for (let i = 0; i < n; i++) diff |= (ea[i % (ea.length || 1)] ?? 0) ^ (eb[i % (eb.length || 1)] ?? 0);
  return diff === 0;
}

/** True when `token` equals any of `allowed`; every candidate is compared, so timing does not say which. */
export function tokenAllowed(token: string | undefined, allowed: readonly string[]): boolean {
  if (token === undefined) return false;
  let ok = false;
  for (const candidate of allowed) ok = constantTimeEqual(token, candidate) || ok;
  return ok;
}

/** Extracts the token of an `Authorization: Bearer <token>` header value. */
export function parseBearer(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1]!.trim() : undefined;
}
