import { Code, RemoteMediaError } from '@remotemedia/runtime-core';

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };

/**
 * The `grpc-timeout` request header (`<at most 8 digits><H|M|S|m|u|n>`) in milliseconds, or
 * undefined when absent. Throws InvalidArgument on a malformed value.
 */
export function parseGrpcTimeout(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(header);
  if (!match) {
    const shown = header.length > 40 ? `${header.slice(0, 40)}...` : header;
    throw new RemoteMediaError(Code.InvalidArgument, `malformed grpc-timeout header "${shown}": expected up to 8 digits and a unit (H, M, S, m, u, n)`, {
      details: [{ path: 'grpc-timeout', message: 'expected up to 8 digits and a unit' }],
    });
  }
  // setTimeout's ceiling (~24.8 days) is far above any real deadline; clamp rather than overflow to 1 ms.
  return Math.min(Number(match[1]) * UNIT_MS[match[2]], 2_147_483_647);
}
