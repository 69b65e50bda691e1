/**
 * The one table between RemoteMediaError codes and HTTP statuses, in both directions (servers'
 * responses, clients' reading of bodiless responses). Code -> status is the Connect protocol's
 * table; three reasons override it. specs/errors.json is checked against these tables.
 */
import { Code, type RemoteMediaError, codeName } from '../errors.js';

/** HTTP status of each code, keyed by its snake_case name (`codeName`). */
export const HTTP_STATUS_OF_CODE: Readonly<Record<string, number>> = Object.freeze({
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
});

/** Reason of a request body (or message) over the size limit: HTTP 413. */
export const PAYLOAD_TOO_LARGE = 'PayloadTooLarge';
/** Reason of a route called with the wrong method: HTTP 405. */
export const METHOD_NOT_ALLOWED = 'MethodNotAllowed';
/** Reason of outputs that cannot be sent in the format the caller `Accept`s: HTTP 406. */
export const NOT_ACCEPTABLE = 'NotAcceptable';

/** Reasons whose HTTP status overrides their code's. */
export const HTTP_STATUS_OF_REASON: Readonly<Record<string, number>> = Object.freeze({
  [PAYLOAD_TOO_LARGE]: 413,
  [METHOD_NOT_ALLOWED]: 405,
  [NOT_ACCEPTABLE]: 406,
});

/**
 * Code of an HTTP status, for responses without a readable error body (a proxy's HTML page, an
 * empty 502...). 404 and 405 are Unimplemented: the server lacks the route. Other statuses: Unknown.
 */
export const CODE_OF_HTTP_STATUS: Readonly<Record<number, Code>> = Object.freeze({
  400: Code.InvalidArgument,
  401: Code.Unauthenticated,
  403: Code.PermissionDenied,
  404: Code.Unimplemented,
  405: Code.Unimplemented,
  406: Code.FailedPrecondition,
  408: Code.DeadlineExceeded,
  409: Code.Aborted,
  413: Code.ResourceExhausted,
  429: Code.ResourceExhausted,
  499: Code.Canceled,
  501: Code.Unimplemented,
  502: Code.Unavailable,
  503: Code.Unavailable,
  504: Code.DeadlineExceeded,
});

/** The HTTP status a server answers `error` with. */
export function httpStatusOf(error: RemoteMediaError): number {
  const byReason = error.reason === undefined ? undefined : own(HTTP_STATUS_OF_REASON, error.reason);
  return byReason ?? own(HTTP_STATUS_OF_CODE, codeName(error.code)) ?? 500;
}

/** The code a client reads from a bare HTTP status (see CODE_OF_HTTP_STATUS). */
export function codeOfHttpStatus(status: number): Code {
  return own(CODE_OF_HTTP_STATUS, status) ?? Code.Unknown;
}

/** Own entries only: a reason such as `toString` must not find Object.prototype's. */
function own<V>(table: Readonly<Record<string | number, V>>, key: string | number): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
