// What a right answer to a bad request looks like, for every transport: a structured error of a
// client class, bounded in size. An answer with a server-fault code is a bug.

/** Codes that blame the server: a client's input must never produce them. */
export const SERVER_FAULT_CODES: ReadonlySet<string> = new Set(['internal', 'unknown', 'data_loss']);
/** gRPC numbers of the same codes. */
export const SERVER_FAULT_GRPC_STATUSES: ReadonlySet<number> = new Set([2, 13, 15]);
/** Largest error answer accepted (messages and details are bounded by the servers). */
export const MAX_ERROR_BYTES = 64 * 1024;

/** The text of a WebSocket message (`ws` hands over a Buffer, an ArrayBuffer or fragments). */
export function messageText(data: Buffer | ArrayBuffer | Buffer[]): string {
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}

/** A problem with an HTTP answer, or undefined when it is right. */
export function judgeHttpAnswer(status: number, body: Buffer, what: string): string | undefined {
  if (status < 400) return undefined;
  if (body.length > MAX_ERROR_BYTES) return `${what}: HTTP ${status} error body of ${body.length} bytes (over ${MAX_ERROR_BYTES})`;
  let parsed: { code?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    return `${what}: HTTP ${status} with a body that is not JSON: ${JSON.stringify(body.subarray(0, 200).toString('utf8'))}`;
  }
  // `{code, message, details}` (HTTP API, Connect) or `{error: {...}}` (WebRTC's HTTP endpoints).
  const error = parsed.error ?? parsed;
  if (typeof error.code !== 'string' || typeof error.message !== 'string')
    return `${what}: HTTP ${status} without a structured error: ${JSON.stringify(body.subarray(0, 200).toString('utf8'))}`;
  if (status === 500 || SERVER_FAULT_CODES.has(error.code)) return `${what}: HTTP ${status} ${error.code}: ${error.message.slice(0, 300)}`;
  return undefined;
}

/** A problem with a structured error object carried inside a stream (WebSocket frame, JSON-RPC data). */
export function judgeErrorObject(error: unknown, what: string): string | undefined {
  if (error === null || typeof error !== 'object') return `${what}: error is not an object: ${JSON.stringify(error)?.slice(0, 200)}`;
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return `${what}: unstructured error ${JSON.stringify(error).slice(0, 200)}`;
  if (SERVER_FAULT_CODES.has(e.code)) return `${what}: ${e.code}: ${e.message.slice(0, 300)}`;
  if (JSON.stringify(error).length > MAX_ERROR_BYTES) return `${what}: error of ${JSON.stringify(error).length} bytes`;
  return undefined;
}

/** Resolves with `fallback()` if `work` takes longer than `ms` (the work itself is left to its own timeouts). */
export async function within<T>(ms: number, work: Promise<T>, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback()), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
