import { Code, type ErrorDetail, type ManifestSource, type PipelineClient, type PipelineTransport, RemoteMediaError } from '@remotemedia/runtime-core';
import { BrokenCircuitError, ExponentialBackoff, type IBackoff } from 'cockatiel';
import { canceled, withDeadline } from './attempt-deadline.js';
import type { Endpoint, EndpointPool } from './endpoint-pool.js';
import { RemoteReason, describeFailure, isEndpointFailure, remoteError } from './remote-errors.js';

/** One step of a node's chain: a pool of remote endpoints, or a local manifest run in-process. */
export type Route = { kind: 'remote'; pool: EndpointPool } | { kind: 'local'; runner: PipelineTransport; manifest: ManifestSource };

export interface FailoverSettings {
  /** Extra rounds over a pool's endpoints after a round where all failed. */
  maxRetries: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** Deadline of one attempt on one endpoint. */
  timeoutMs: number;
  nodeId?: string;
  /**
   * The remote attempt is done with its signal once its promise settled (a unary call, not a
   * session that outlives it): the signal is then reused by later attempts. Default false.
   */
  unary?: boolean;
}

export interface CallResult<T> {
  value: T;
  /** The endpoint that answered; undefined for the local route. */
  endpoint?: Endpoint;
}

export type RemoteAttempt<T> = (client: PipelineClient, signal: AbortSignal, endpoint: Endpoint) => Promise<T>;
export type LocalAttempt<T> = (runner: PipelineTransport, manifest: ManifestSource, signal: AbortSignal | undefined) => Promise<T>;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      reject(canceled(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', done);
      resolve();
    }, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The endpoints excluded from a round's first pick: none. */
const NO_ENDPOINTS: ReadonlySet<Endpoint> = new Set();

/** One attempt on one endpoint: through its breaker, with the attempt's deadline. */
function attemptOn<T>(ep: Endpoint, remote: RemoteAttempt<T>, settings: FailoverSettings, signal: AbortSignal | undefined): Promise<T> {
  return ep.run((client) => withDeadline((s) => remote(client, s, ep), ep.url, settings.timeoutMs, signal, settings.unary));
}

/**
 * Runs `remote` on the routes in order. Within a pool, a failing endpoint hands over to the next
 * one at once (failover, no delay); when a whole round failed, the pool is retried after an
 * exponential backoff with jitter, up to `maxRetries` rounds, then the next route takes over.
 * Failures that are the request's fault (bad manifest, auth, a remote node's error) end the
 * call immediately: another endpoint would answer the same.
 */
export function callWithFailover<T>(
  routes: readonly Route[],
  remote: RemoteAttempt<T>,
  local: LocalAttempt<T>,
  settings: FailoverSettings,
  signal?: AbortSignal,
): Promise<CallResult<T>> {
  // The common call: the first route's first pick answers. It is started here, without the
  // failover loop's async frame; the loop takes over from its failure, as its first attempt.
  const route = routes[0];
  const ep = route?.kind === 'remote' ? route.pool.select(NO_ENDPOINTS) : undefined;
  if (!ep) return failover(routes, remote, local, settings, signal, undefined);
  const call = attemptOn(ep, remote, settings, signal);
  return call.then(
    (value) => ({ value, endpoint: ep }),
    () => failover(routes, remote, local, settings, signal, { endpoint: ep, call }),
  );
}

async function failover<T>(
  routes: readonly Route[],
  remote: RemoteAttempt<T>,
  local: LocalAttempt<T>,
  settings: FailoverSettings,
  signal: AbortSignal | undefined,
  /** The attempt already made on the first route's first pick (it failed). */
  first: { endpoint: Endpoint; call: Promise<T> } | undefined,
): Promise<CallResult<T>> {
  // Allocated on the first failure only: the common call succeeds at once.
  let failures: { endpoint: string; error: unknown }[] | undefined;
  let open: string[] | undefined;
  for (const route of routes) {
    if (route.kind === 'local') return { value: await local(route.runner, route.manifest, signal) };
    // cockatiel's backoff (decorrelated jitter) for the delays; its retry loop is not used
    // because its delay ignores the abort signal, and a cancelled call must stop at once.
    let backoff: IBackoff<unknown> | undefined;
    for (let round = 0; round <= settings.maxRetries; round++) {
      if (round > 0) {
        backoff = backoff ? backoff.next(undefined) : new ExponentialBackoff({ initialDelay: settings.backoffMs, maxDelay: settings.maxBackoffMs }).next();
        await sleep(backoff.duration, signal);
      }
      const tried = new Set<Endpoint>(); // (empty sets are cheap; select() has a fast path for them)
      let attempted = 0;
      for (let endpoint = first ? first.endpoint : route.pool.select(tried); endpoint; endpoint = route.pool.select(tried)) {
        tried.add(endpoint);
        const ep = endpoint;
        const call = first ? first.call : attemptOn(ep, remote, settings, signal);
        first = undefined;
        try {
          return { value: await call, endpoint: ep };
        } catch (error) {
          if (error instanceof BrokenCircuitError) continue; // half-open and its one trial call is taken
          attempted++;
          if (signal?.aborted) throw canceled(signal);
          if (!isEndpointFailure(error)) throw RemoteMediaError.from(error, Code.Internal, settings.nodeId ? { nodeId: settings.nodeId } : {});
          (failures ??= []).push({ endpoint: `${route.pool.label} ${ep.url}`, error });
        }
      }
      if (attempted === 0) {
        // Every breaker is open: waiting out a backoff here cannot help, the next route can.
        (open ??= []).push(...route.pool.endpoints.map((e) => `${route.pool.label} ${e.url}`));
        break;
      }
    }
  }
  throw finalError(failures ?? [], open ?? [], settings.nodeId);
}

function finalError(failures: { endpoint: string; error: unknown }[], open: string[], nodeId: string | undefined): RemoteMediaError {
  const extra = nodeId ? { nodeId } : {};
  if (failures.length === 0) {
    return remoteError(Code.Unavailable, RemoteReason.CircuitOpen, `every endpoint's circuit breaker is open (${open.join(', ')})`, {
      ...extra,
      details: open.map((e) => ({ path: e, message: 'circuit breaker open' })),
    });
  }
  const last = new Map<string, unknown>();
  for (const f of failures) last.set(f.endpoint, f.error);
  const details: ErrorDetail[] = [...last].map(([endpoint, error]) => describeFailure(endpoint, error));
  for (const e of open) if (!last.has(e)) details.push({ path: e, message: 'circuit breaker open' });
  const cause = failures[failures.length - 1].error;
  const allTimeouts = failures.every((f) => f.error instanceof RemoteMediaError && f.error.reason === RemoteReason.RemoteTimeout);
  if (allTimeouts) {
    return remoteError(Code.DeadlineExceeded, RemoteReason.RemoteTimeout, `no endpoint answered in time after ${failures.length} attempts`, {
      ...extra,
      details,
      cause,
    });
  }
  return remoteError(
    Code.Unavailable,
    RemoteReason.AllEndpointsFailed,
    `all endpoints failed after ${failures.length} attempts; last: ${cause instanceof Error ? cause.message : String(cause)}`,
    {
      ...extra,
      details,
      cause,
    },
  );
}
