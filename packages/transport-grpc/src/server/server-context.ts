import type { PipelineTransport } from '@remotemedia/runtime-core';
import type { Logger } from 'pino';
import type { CallRegistry } from './call-registry.js';
import type { GrpcServerMetrics } from './server-metrics.js';
import type { GrpcServerLimits } from './server-options.js';

/** What the service implementations share: resolved options plus the server's live state. */
export interface ServerContext {
  pipeline: PipelineTransport;
  limits: Required<GrpcServerLimits>;
  calls: CallRegistry;
  metrics: GrpcServerMetrics;
  logger: Logger;
  version: string;
  /** The pipeline's node types (its `listNodes` capability), or none. */
  nodeTypes: () => Promise<string[]>;
}
