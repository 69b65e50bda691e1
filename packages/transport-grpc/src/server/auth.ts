import { ConnectError, type HandlerContext } from '@connectrpc/connect';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { createTokenCheck, parseBearer } from '@remotemedia/runtime-core/kit';
import { toConnectError } from '../errors.js';

export interface AuthPolicy {
  /** A token check from runtime-core's createTokenCheck (the configured tokens, compared in constant time). */
  allowed: (token: string | undefined) => boolean;
  required: boolean;
}

export function createAuthPolicy(tokens: readonly string[], required: boolean): AuthPolicy {
  return { allowed: createTokenCheck(tokens), required };
}

/**
 * Pipeline services need `authorization: Bearer <token>`, compared in constant time. Throws
 * Unauthenticated. Tokens are never logged or echoed.
 */
export function checkBearer(policy: AuthPolicy, authorization: string | null | undefined): void {
  if (!policy.required) return;
  if (!authorization) throw new RemoteMediaError(Code.Unauthenticated, 'missing bearer token: send `authorization: Bearer <token>` metadata');
  if (!policy.allowed(parseBearer(authorization))) throw new RemoteMediaError(Code.Unauthenticated, 'invalid bearer token');
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
