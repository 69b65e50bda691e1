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

export class RemoteMediaError extends Error {
  override readonly name = 'RemoteMediaError';
  readonly code: Code;
  readonly details: readonly ErrorDetail[];
  readonly nodeId: string | undefined;
  readonly reason: string | undefined;
  /** The message without the `[code]` prefix, for re-wrapping across a wire. */
  readonly rawMessage: string;

  constructor(code: Code, message: string, options: RemoteMediaErrorOptions = {}) {
    super(`[${codeName(code)}] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.rawMessage = message;
    this.details = options.details ?? [];
    this.nodeId = options.nodeId;
    this.reason = options.reason;
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

  /** A plain, JSON-serialisable view used by every wire format. */
  toJSON(): { code: string; message: string; details: ErrorDetail[]; nodeId?: string; reason?: string } {
    return {
      code: codeName(this.code),
      message: this.rawMessage,
      details: [...this.details],
      ...(this.nodeId ? { nodeId: this.nodeId } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
    };
  }
}

export function isRemoteMediaError(value: unknown): value is RemoteMediaError {
  return value instanceof RemoteMediaError;
}
