export {
  createRemotePipelineNode,
  registerRemoteNode,
  normalizeEndpoint,
  type RemotePipelineNodeDefinition,
  type RemotePipelineNodeOptions,
} from './remote-pipeline-node.js';
export * from './remote-params.js';
export { RemoteReason, isEndpointFailure } from './remote-errors.js';
export {
  EndpointPool,
  Endpoint,
  type EndpointPoolOptions,
  type EndpointSnapshot,
  type BreakerSettings,
  type HealthCheckSettings,
  type BreakerStateName,
} from './endpoint-pool.js';
export { createLoadBalancer, type LoadBalancer, type Balanceable } from './load-balancer.js';
export { callWithFailover, type Route, type FailoverSettings, type CallResult } from './remote-caller.js';
export { RemoteStream, type RemoteStreamOptions, type SessionOpener } from './remote-stream.js';
export { createManifestFetcher, namedManifestUrl, type ManifestFetcher, type ManifestFetcherOptions } from './manifest-fetcher.js';
export { checkRemoteDependencies, manifestRefOf, MAX_REMOTE_DEPTH, type ManifestRef, type DependencyCheckOptions } from './remote-dependencies.js';
export { resolveClientFactory, transportPackages, type ClientFactories, type TransportClientFactory } from './transport-clients.js';
export { substituteEnv, defaultEnvironment, type Environment } from './env-substitution.js';
