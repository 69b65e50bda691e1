import { describe, expect, it } from 'vitest';
import { Code, RemoteMediaError, codeName } from '@remotemedia/runtime-core';
import {
  CODE_OF_HTTP_STATUS,
  HTTP_STATUS_OF_CODE,
  METHOD_NOT_ALLOWED,
  NOT_ACCEPTABLE,
  PAYLOAD_TOO_LARGE,
  codeOfHttpStatus,
  httpStatusOf,
} from '@remotemedia/runtime-core/kit';

describe('the HTTP status table (kit)', () => {
  it('maps every code to the Connect protocol status', () => {
    expect(Object.keys(HTTP_STATUS_OF_CODE).sort()).toEqual(Object.values(Code).map(codeName).sort());
    const expected: Record<string, number> = {
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
    };
    for (const code of Object.values(Code)) expect(httpStatusOf(new RemoteMediaError(code, 'x'))).toBe(expected[codeName(code)]);
  });

  it('lets three reasons override the status, and only own entries count', () => {
    const of = (reason: string) => httpStatusOf(new RemoteMediaError(Code.ResourceExhausted, 'x', { reason }));
    expect([of(PAYLOAD_TOO_LARGE), of(METHOD_NOT_ALLOWED), of(NOT_ACCEPTABLE)]).toEqual([413, 405, 406]);
    expect(of('toString')).toBe(429);
    expect(of('SomethingElse')).toBe(429);
  });

  it('reads a bare status back as a code; anything unlisted is Unknown', () => {
    const expected: Record<number, Code> = {
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
    };
    expect(CODE_OF_HTTP_STATUS).toEqual(expected);
    for (const [status, code] of Object.entries(expected)) expect(codeOfHttpStatus(Number(status))).toBe(code);
    for (const status of [200, 302, 418, 500, 505, 0, -1, NaN]) expect(codeOfHttpStatus(status)).toBe(Code.Unknown);
  });
});
