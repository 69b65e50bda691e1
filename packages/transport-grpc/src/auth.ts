import { ConnectError, Code as ConnectCode, type HandlerContext } from '@connectrpc/connect';
import { parseBearer, tokenAllowed } from '@remotemedia/runtime-core';

/**
 * Runs before a request body is read. Pipeline services need `authorization: Bearer <token>`,
 * compared in constant time; health and reflection stay open for probes and generic tools.
 * Tokens are never logged or echoed.
 */
export function createAuthGate(options: { tokens: readonly string[]; required: boolean; protectedPrefix: string }) {
  return (call: HandlerContext): void => {
    if (!options.required || !call.service.typeName.startsWith(options.protectedPrefix)) return;
    const header = call.requestHeader.get('authorization');
    if (!header) throw new ConnectError('missing bearer token: send `authorization: Bearer <token>` metadata', ConnectCode.Unauthenticated);
    if (!tokenAllowed(parseBearer(header), options.tokens)) throw new ConnectError('invalid bearer token', ConnectCode.Unauthenticated);
  };
}
