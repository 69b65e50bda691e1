import {
  type ManifestInput,
  type ManifestSource,
  type NodeDefinition,
  NodeRegistry,
  type PipelineNode,
  type PipelineTransport,
  type RuntimeData,
  type TransportData,
  builtinNodes,
  createPipelineRunner,
} from '@remotemedia/runtime-core';
import { EndpointPool, type EndpointSnapshot } from './endpoint-pool.js';
import { type Environment, defaultEnvironment, substituteEnv } from './env-substitution.js';
import { type ManifestFetcher, createManifestFetcher, namedManifestUrl } from './manifest-fetcher.js';
import { type CallResult, type FailoverSettings, type Route, callWithFailover } from './remote-caller.js';
import { type ManifestRef, checkRemoteDependencies } from './remote-dependencies.js';
import { type RemotePipelineParams, type TransportName, remotePipelineParamsSchema } from './remote-params.js';
import { RemoteStream } from './remote-stream.js';
import { type ClientFactories, resolveClientFactory } from './transport-clients.js';

export interface RemotePipelineNodeOptions {
  /** The `nodeType` manifests use. Default `RemotePipeline`. */
  type?: string;
  /** Transport clients to use instead of loading `@remotemedia/transport-<name>` by dynamic import. */
  clientFactories?: ClientFactories;
  /** Hosts `manifestUrl` / `manifestEndpoint` may point to (`host` or `host:port`, `*` for any). Default: none. */
  allowedManifestHosts?: readonly string[];
  /** How long a fetched manifest is reused. Default 60000 ms. */
  manifestCacheTtlMs?: number;
  /** Replaces the undici-based fetcher (tests, custom caching). */
  manifestFetcher?: ManifestFetcher;
  /** Where `${VAR}` in `authToken` and `manifestHeaders` is looked up. Default `process.env`. */
  env?: Environment;
  /** Runs local fallback manifests. Default: a PipelineRunner with the built-in nodes plus `localNodes`. */
  localRunner?: PipelineTransport;
  /** Node types local fallback manifests may use, on top of the built-ins. */
  localNodes?: readonly NodeDefinition[];
  /**
   * Endpoints manifests may name (`endpoint`, `endpoints`, fallback endpoints), as URLs compared by
   * scheme, host, port and path (`http://10.0.0.5:50051`); `*` allows any. A manifest naming another
   * endpoint fails validation (InvalidArgument naming it) before anything connects. Default: any
   * endpoint (library use); servers built from an operator configuration pass their allowlist (default none).
   */
  allowedEndpoints?: readonly string[];
  /**
   * Bearer tokens used for an endpoint when the manifest gives no `authToken`, by endpoint URL
   * (normalised like `allowedEndpoints`), e.g. from the operator's environment. Default: none.
   */
  endpointTokens?: Readonly<Record<string, string>>;
}

/** An endpoint URL as allowlists compare it: lower-case scheme and host, explicit port, no trailing slash. */
export function normalizeEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    const defaultPort = u.protocol === 'https:' || u.protocol === 'wss:' ? '443' : u.protocol === 'http:' || u.protocol === 'ws:' ? '80' : '';
    return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || defaultPort}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return endpoint.trim().toLowerCase();
  }
}

/** The endpoints a RemotePipeline's params name, with their params path. */
function namedEndpoints(p: {
  endpoint?: string;
  endpoints?: string[];
  fallback?: { endpoint?: string; endpoints?: string[] }[];
}): { path: (string | number)[]; endpoint: string }[] {
  const out: { path: (string | number)[]; endpoint: string }[] = [];
  if (p.endpoint !== undefined) out.push({ path: ['endpoint'], endpoint: p.endpoint });
  p.endpoints?.forEach((endpoint, i) => out.push({ path: ['endpoints', i], endpoint }));
  p.fallback?.forEach((f, i) => {
    if (f.endpoint !== undefined) out.push({ path: ['fallback', i, 'endpoint'], endpoint: f.endpoint });
    f.endpoints?.forEach((endpoint, j) => out.push({ path: ['fallback', i, 'endpoints', j], endpoint }));
  });
  return out;
}

const outputData = ({ value }: CallResult<TransportData[]>): RuntimeData[] => value.map((o) => o.data);

/** A RemotePipeline node type, plus the shared state behind it (pools outlive sessions). */
export interface RemotePipelineNodeDefinition extends NodeDefinition<RemotePipelineParams> {
  /** Every endpoint pool created so far: breaker state, health, in-flight and call counts. */
  snapshot(): { pool: string; endpoints: EndpointSnapshot[] }[];
  /** Runs one health probe round on every pool now (the timer does it every `healthCheck.intervalMs`). */
  probeNow(): Promise<void>;
  /** Stops health checks and closes every transport client. */
  close(): Promise<void>;
}

interface PoolSpec {
  transport: TransportName;
  endpoints: readonly string[];
  authToken: string | undefined;
  label: string;
}

/**
 * Creates the RemotePipeline node type. Register it with a runner
 * (`createPipelineRunner({ nodes: [createRemotePipelineNode(options)] })`) and use
 * `nodeType: RemotePipeline` in any manifest. Endpoint pools (breakers, health checks, clients)
 * are shared by every session using the same endpoints and settings.
 */
export function createRemotePipelineNode(options: RemotePipelineNodeOptions = {}): RemotePipelineNodeDefinition {
  const type = options.type ?? 'RemotePipeline';
  const env = options.env ?? defaultEnvironment();
  const fetcher = options.manifestFetcher ?? createManifestFetcher({ allowedHosts: options.allowedManifestHosts, ttlMs: options.manifestCacheTtlMs });
  const pools = new Map<string, EndpointPool>();
  let localRunner = options.localRunner;
  const allowed = options.allowedEndpoints === undefined ? undefined : new Set(options.allowedEndpoints.map((e) => (e === '*' ? '*' : normalizeEndpoint(e))));
  const endpointTokens = new Map(Object.entries(options.endpointTokens ?? {}).map(([e, t]) => [normalizeEndpoint(e), t]));
  // The allowlist is part of validation: a manifest naming another endpoint never gets a node created (so nothing connects).
  const paramsSchema =
    allowed === undefined || allowed.has('*')
      ? remotePipelineParamsSchema
      : remotePipelineParamsSchema.superRefine((p, ctx) => {
          for (const { path, endpoint } of namedEndpoints(p)) {
            if (!allowed.has(normalizeEndpoint(endpoint))) {
              ctx.addIssue({
                code: 'custom',
                path,
                message: `endpoint ${JSON.stringify(endpoint.slice(0, 200))} is not allowed by the server (operator allowlist remote.endpoints: ${allowed.size ? [...allowed].join(', ') : 'none'})`,
              });
            }
          }
        });

  const poolFor = (spec: PoolSpec, p: RemotePipelineParams): EndpointPool => {
    const key = JSON.stringify([spec.transport, spec.endpoints, spec.authToken, p.timeoutMs, p.loadBalance, p.circuitBreaker, p.healthCheck]);
    let pool = pools.get(key);
    if (!pool) {
      pool = new EndpointPool({
        label: spec.label,
        endpoints: spec.endpoints,
        strategy: p.loadBalance,
        breaker: p.circuitBreaker,
        healthCheck: p.healthCheck,
        createClient: async (endpoint) => {
          const factory = await resolveClientFactory(spec.transport, options.clientFactories);
          // No client-level timeoutMs: every call carries our signal, whose timer enforces
          // timeoutMs; a second deadline inside the client would cost an AbortSignal.any per call.
          return factory({ endpoint, authToken: spec.authToken ?? endpointTokens.get(normalizeEndpoint(endpoint)) });
        },
      });
      pools.set(key, pool);
    }
    return pool;
  };

  const routesFor = (p: RemotePipelineParams): Route[] => {
    const token = p.authToken === undefined ? undefined : substituteEnv(p.authToken, env, 'params.authToken');
    const routes: Route[] = [
      { kind: 'remote', pool: poolFor({ transport: p.transport, endpoints: p.endpoints ?? [p.endpoint!], authToken: token, label: p.transport }, p) },
    ];
    p.fallback.forEach((f, i) => {
      if (f.local !== undefined) {
        localRunner ??= createPipelineRunner({ registry: new NodeRegistry([...builtinNodes, ...(options.localNodes ?? [])]) });
        routes.push({ kind: 'local', runner: localRunner, manifest: f.local as ManifestSource });
        return;
      }
      const transport = f.transport ?? p.transport;
      const authToken = f.authToken === undefined ? token : substituteEnv(f.authToken, env, `params.fallback[${i}].authToken`);
      routes.push({
        kind: 'remote',
        pool: poolFor({ transport, endpoints: f.endpoints ?? [f.endpoint!], authToken, label: `fallback[${i}] ${transport}` }, p),
      });
    });
    return routes;
  };

  const manifestRef = (p: RemotePipelineParams): ManifestRef => {
    const headers = Object.fromEntries(Object.entries(p.manifestHeaders ?? {}).map(([k, v]) => [k, substituteEnv(v, env, `params.manifestHeaders.${k}`)]));
    if (p.manifest !== undefined) return { kind: 'inline', manifest: p.manifest as ManifestInput | string };
    if (p.manifestUrl !== undefined) return { kind: 'url', url: p.manifestUrl, headers };
    return { kind: 'url', url: namedManifestUrl(p.manifestEndpoint!, p.pipelineName!), headers };
  };

  return {
    type,
    description:
      'Runs a sub-pipeline on remote RemoteMedia servers (gRPC, HTTP or WebRTC) with retries, circuit breakers, load balancing, health checks and fallback.',
    paramsSchema,
    accepts: 'any',
    produces: 'any',
    async create(params, ctx): Promise<PipelineNode> {
      const manifest = await checkRemoteDependencies(manifestRef(params), { fetcher, nodeType: type, signal: ctx.signal });
      const routes = routesFor(params);
      const settings: FailoverSettings = { ...params.retry, timeoutMs: params.timeoutMs, nodeId: ctx.nodeId, unary: params.mode === 'unary' };

      if (params.mode === 'unary') {
        return {
          // Not async: the call's own promise chain is enough (an async frame more is ~0.1 µs a call).
          process(input, pctx): Promise<RuntimeData[]> {
            const inputs = [{ data: input, metadata: { ...pctx.metadata } }];
            return callWithFailover(
              routes,
              (client, signal) => client.execute(manifest, inputs, { signal }),
              (runner, local, signal) => runner.execute(local, inputs, { signal }),
              settings,
              pctx.signal,
            ).then(outputData);
          },
        };
      }

      const stream = new RemoteStream(
        (signal) =>
          callWithFailover(
            routes,
            (client, s) => client.stream(manifest, { signal: s }),
            (runner, local) => runner.stream(local, { signal: ctx.signal }),
            settings,
            signal,
          ).then(({ value, endpoint }) => ({ session: value, endpoint })),
        {
          nodeId: ctx.nodeId,
          idleTimeoutMs: params.timeoutMs,
          outputLingerMs: params.outputLingerMs,
          ...(params.outputDelivery === 'push' ? { push: (data: RuntimeData) => ctx.emit(data) } : {}),
        },
      );
      return {
        process: (input, pctx) => stream.process(input, pctx.metadata, pctx.signal),
        flush: (pctx) => stream.flush(pctx.signal),
        close: () => stream.close(),
      };
    },
    snapshot: () => [...pools.values()].map((p) => ({ pool: p.label, endpoints: p.snapshot() })),
    probeNow: async () => {
      await Promise.all([...pools.values()].map((p) => p.probeAll()));
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.close()));
    },
  };
}

/** Registers the RemotePipeline node type on `registry` and returns its definition (for snapshot/close). */
export function registerRemoteNode(registry: NodeRegistry, options: RemotePipelineNodeOptions = {}): RemotePipelineNodeDefinition {
  const definition = createRemotePipelineNode(options);
  registry.register(definition);
  return definition;
}
