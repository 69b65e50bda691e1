import { ConnectError, type HandlerContext } from '@connectrpc/connect';
import { Code, RemoteMediaError, parseBearer, tokenAllowed } from '@remotemedia/runtime-core';
import { toConnectError } from './grpc-errors.js';

export interface AuthPolicy {
  tokens: readonly string[];
  required: boolean;
}

/**
 * Pipeline services need `authorization: Bearer <token>`, compared in constant time. Throws
 * Unauthenticated. Tokens are never logged or echoed.
 */
export function checkBearer(policy: AuthPolicy, authorization: string | null | undefined): void {
  if (!policy.required) return;
  if (!authorization) throw new RemoteMediaError(Code.Unauthenticated, 'missing bearer token: send `authorization: Bearer <token>` metadata');
  if (!tokenAllowed(parseBearer(authorization), policy.tokens)) throw new RemoteMediaError(Code.Unauthenticated, 'invalid bearer token');
}

/** Connect's request gate (runs before the body is read); health and reflection stay open for probes and generic tools. */
export function createAuthGate(policy: AuthPolicy & { protectedPrefix: string }) {
  return (call: HandlerContext): void => {
    if (!call.service.typeName.startsWith(policy.protectedPrefix)) return;
    try {
      checkBearer(policy, call.requestHeader.get('authorization'));
    } catch (error) {
      throw error instanceof ConnectError ? error : toConnectError(error);
    }
  };
}
