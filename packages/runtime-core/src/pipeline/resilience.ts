import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  type IPolicy,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { Code, RemoteMediaError } from '../errors.js';
import type { ManifestNode } from '../manifest/manifest-schema.js';

/** Thrown to stop retries once a call has already emitted outputs (a retry would duplicate them). */
export class PartialOutputError extends Error {
  constructor(readonly original: unknown) {
    super('failed after emitting outputs');
  }
}

const retryable = (e: Error) =>
  !(e instanceof PartialOutputError) &&
  !(e instanceof BrokenCircuitError) &&
  !(e instanceof RemoteMediaError && (e.code === Code.InvalidArgument || e.code === Code.Canceled)) &&
  e.name !== 'AbortError';

/**
 * Builds the cockatiel policy for a node's `timeoutMs`, `retry` and `circuitBreaker` settings,
 * or undefined when none is set (the hot path then calls the node directly).
 */
export function createNodePolicy(node: ManifestNode, onRetry: () => void): IPolicy | undefined {
  if (!node.retry && !node.circuitBreaker && !node.timeoutMs) return undefined; // most nodes: nothing to build
  const policies: IPolicy[] = [];
  if (node.retry && node.retry.maxAttempts > 1) {
    const r = retry(handleWhen(retryable), {
      maxAttempts: node.retry.maxAttempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: node.retry.initialDelayMs, maxDelay: node.retry.maxDelayMs }),
    });
    r.onRetry(onRetry);
    policies.push(r);
  }
  if (node.circuitBreaker) {
    policies.push(
      circuitBreaker(
        handleWhen((e) => !(e instanceof RemoteMediaError && e.code === Code.InvalidArgument) && e.name !== 'AbortError'),
        {
          halfOpenAfter: node.circuitBreaker.resetTimeoutMs,
          breaker: new ConsecutiveBreaker(node.circuitBreaker.failureThreshold),
        },
      ),
    );
  }
  if (node.timeoutMs) policies.push(timeout(node.timeoutMs, TimeoutStrategy.Aggressive));
  return policies.length ? wrap(...policies) : undefined;
}

/** Maps the resilience library's errors onto RemoteMediaError codes, in one place. */
export function mapPolicyError(error: unknown, node: ManifestNode): RemoteMediaError {
  const original = error instanceof PartialOutputError ? error.original : error;
  if (original instanceof BrokenCircuitError) {
    return new RemoteMediaError(
      Code.Unavailable,
      `circuit breaker of node "${node.id}" is open after ${node.circuitBreaker?.failureThreshold} consecutive failures`,
      {
        nodeId: node.id,
        reason: 'CircuitOpen',
        cause: original,
      },
    );
  }
  if (original instanceof TaskCancelledError) {
    return new RemoteMediaError(Code.DeadlineExceeded, `node "${node.id}" (${node.nodeType}) did not finish within timeoutMs=${node.timeoutMs}`, {
      nodeId: node.id,
      reason: 'NodeTimeout',
      cause: original,
    });
  }
  return RemoteMediaError.from(original, Code.Internal, { nodeId: node.id });
}
