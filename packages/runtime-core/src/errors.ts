/**
 * The one error class of RemoteMedia. Codes are closed and numbered exactly like gRPC
 * status codes so every transport maps them one to one (see docs/errors.md).
 */
export const Code = {
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const codeNames = new Map<number, string>(
  Object.entries(Code).map(([name, value]) => [value, name.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase())]),
);

/** snake_case name of a code, e.g. `invalid_argument` (the Connect protocol's spelling). */
export function codeName(code: Code): string {
  return codeNames.get(code) ?? 'unknown';
}

/** Parses a numeric or snake_case code; unknown input gives `Code.Unknown`. */
export function parseCode(value: unknown): Code {
  if (typeof value === 'number' && codeNames.has(value)) return value as Code;
  if (typeof value === 'string') {
    for (const [num, name] of codeNames) if (name === value) return num as Code;
  }
  return Code.Unknown;
}

/** One problem inside an error: a validation issue, or a failure attributed to a node. */
export interface ErrorDetail {
  /** Where the problem is, e.g. `nodes[2].params.targetRate` or `connections[0].to`. */
  path?: string;
  message: string;
}

export interface RemoteMediaErrorOptions {
  cause?: unknown;
  details?: readonly ErrorDetail[];
  /** Id of the node that failed, when the failure is attributable to one. */
  nodeId?: string;
  /**
   * A stable machine-readable sub-reason inside the code, e.g. `CircuitOpen`, `RemoteTimeout`,
   * `ManifestInvalid`. Packages document the reasons they emit.
   */
  reason?: string;
}

/**
 * Bounds of every error report, whatever made it: messages can quote client input (node ids,
 * type names, Python stderr) and details can list one problem per input element, and an error
 * travels in gRPC trailers, HTTP bodies and log lines. Longer text is cut with a note of how much.
 */
export const ERROR_LIMITS = {
  /** Characters of `message` kept. */
  maxMessageChars: 8192,
  /** Details kept; the rest are summarised by one last detail "and N more problems". */
  maxDetails: 100,
  /** Characters of one detail's message kept. */
  maxDetailMessageChars: 1024,
  /** Characters of one detail's path kept. */
  maxDetailPathChars: 256,
} as const;

/** `text` cut to `max` characters (never splitting a surrogate pair), saying how much was cut. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `... (${text.length - max} more characters)`;
  let end = Math.max(0, max - note.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + note;
}

/** Details within ERROR_LIMITS: each one's text cut, the list cut with a count of the rest. */
export function boundDetails(details: readonly ErrorDetail[]): ErrorDetail[] {
  const { maxDetails, maxDetailMessageChars, maxDetailPathChars } = ERROR_LIMITS;
  const kept = details.length > maxDetails ? details.slice(0, maxDetails) : details;
  const out = kept.map((d) => {
    const message = truncateText(d.message, maxDetailMessageChars);
    const path = d.path === undefined ? undefined : truncateText(d.path, maxDetailPathChars);
    return message === d.message && path === d.path ? d : { ...(path === undefined ? {} : { path }), message };
  });
  if (details.length > maxDetails) out.push({ message: `and ${details.length - maxDetails} more problems` });
  return out;
}

export class RemoteMediaError extends Error {
  override readonly name = 'RemoteMediaError';
  readonly code: Code;
  readonly details: readonly ErrorDetail[];
  readonly nodeId: string | undefined;
  readonly reason: string | undefined;
  /** The message without the `[code]` prefix, for re-wrapping across a wire. */
  readonly rawMessage: string;

  constructor(code: Code, message: string, options: RemoteMediaErrorOptions = {}) {
    const text = truncateText(message, ERROR_LIMITS.maxMessageChars);
    super(`[${codeName(code)}] ${text}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.rawMessage = text;
    this.details = options.details ? boundDetails(options.details) : [];
    this.nodeId = options.nodeId === undefined ? undefined : truncateText(options.nodeId, ERROR_LIMITS.maxDetailPathChars);
    this.reason = options.reason === undefined ? undefined : truncateText(options.reason, ERROR_LIMITS.maxDetailPathChars);
  }

  /**
   * Turns anything thrown into a RemoteMediaError, keeping the original as `cause`.
   * AbortError becomes Canceled, TimeoutError DeadlineExceeded, everything else `fallbackCode`.
   */
  static from(error: unknown, fallbackCode: Code = Code.Internal, extra: RemoteMediaErrorOptions = {}): RemoteMediaError {
    if (error instanceof RemoteMediaError) {
      if (extra.nodeId && !error.nodeId) {
        return new RemoteMediaError(error.code, error.rawMessage, { ...extra, cause: error.cause ?? error, details: error.details, reason: error.reason });
      }
      return error;
    }
    const name = (error as { name?: unknown } | null)?.name;
    const message = error instanceof Error ? error.message : String(error);
    const code = name === 'AbortError' ? Code.Canceled : name === 'TimeoutError' ? Code.DeadlineExceeded : fallbackCode;
    return new RemoteMediaError(code, message, { ...extra, cause: error });
  }

  /** A plain, JSON-serialisable view used by every wire format (the inverse of `fromJSON`). */
  toJSON(): RemoteMediaErrorJson {
    return {
      code: codeName(this.code),
      message: this.rawMessage,
      details: [...this.details],
      ...(this.nodeId ? { nodeId: this.nodeId } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
    };
  }

  /**
   * Rebuilds an error from its `toJSON()` form as read off any wire (HTTP body, WebSocket or SSE
   * message, JSON-RPC `error.data`, Python stderr JSON). Robust to junk: a body that is not an
   * object, a missing or unknown code, a missing message or malformed details fall back to
   * `fallback` (code default Unknown, message default "remote error") and drop what is unusable.
   * Text is bounded by ERROR_LIMITS like every other error.
   */
  static fromJSON(body: unknown, fallback: RemoteMediaErrorFallback = {}): RemoteMediaError {
    const fallbackCode = fallback.code ?? Code.Unknown;
    const fallbackMessage = fallback.message ?? 'remote error';
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      const text = typeof body === 'string' && body.length ? `: ${truncateText(body, 200)}` : '';
      return new RemoteMediaError(fallbackCode, fallbackMessage + text);
    }
    const b = body as Record<string, unknown>;
    const code = isCodeValue(b.code) ? parseCode(b.code) : fallbackCode;
    const message = typeof b.message === 'string' ? b.message : fallbackMessage;
    const details = Array.isArray(b.details)
      ? b.details.filter(isErrorDetail).map((d) => (d.path === undefined ? { message: d.message } : { path: d.path, message: d.message }))
      : [];
    return new RemoteMediaError(code, message, {
      details,
      ...(typeof b.nodeId === 'string' && b.nodeId ? { nodeId: b.nodeId } : {}),
      ...(typeof b.reason === 'string' && b.reason ? { reason: b.reason } : {}),
    });
  }
}

/** The JSON shape of a RemoteMediaError on every wire: `toJSON()` makes it, `fromJSON()` reads it. */
export interface RemoteMediaErrorJson {
  /** snake_case code name, e.g. `invalid_argument` (see `codeName`). */
  code: string;
  /** The message without the `[code]` prefix. */
  message: string;
  details: ErrorDetail[];
  nodeId?: string;
  reason?: string;
}

/** What `RemoteMediaError.fromJSON` uses when the body lacks a usable code or message. */
export interface RemoteMediaErrorFallback {
  /** Code when the body has none or an unknown one (e.g. derived from the HTTP status). Default: Unknown. */
  code?: Code;
  /** Message when the body has none. Default: "remote error". */
  message?: string;
}

function isCodeValue(value: unknown): boolean {
  return (typeof value === 'number' || typeof value === 'string') && (parseCode(value) !== Code.Unknown || value === Code.Unknown || value === 'unknown');
}

function isErrorDetail(value: unknown): value is ErrorDetail {
  if (!value || typeof value !== 'object') return false;
  const d = value as { path?: unknown; message?: unknown };
  return typeof d.message === 'string' && (d.path === undefined || typeof d.path === 'string');
}

export function isRemoteMediaError(value: unknown): value is RemoteMediaError {
  return value instanceof RemoteMediaError;
}
