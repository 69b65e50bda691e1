#!/usr/bin/env node
// Runnable RemoteMedia gRPC server. From the repo root: `pnpm start` (defaults: 0.0.0.0:50051, no auth,
// /metrics on :9464). Configure with flags or GRPC_* env, see `--help`. `--workers N` runs N processes
// sharing the port (one per core), with a primary that restarts them and merges their /metrics.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { handleShutdownSignals } from '@remotemedia/runtime-core/node';
import { createOperatorRuntime, exitOnConfigError, isConfigError, reloadPipelinesOnSighup } from '@remotemedia/server-config';
import { createGrpcServer, parseBindAddress } from '@remotemedia/transport-grpc';
import { CommanderError, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { type PrimaryMessage, type WorkerMessage, runClusterPrimary } from './cluster-primary.js';
import { type GrpcAppConfig, parseGrpcAppConfig, toServerOptions } from './server-config.js';

async function serve(config: GrpcAppConfig, worker: boolean): Promise<void> {
  const logger = pino({
    level: config.logLevel,
    base: { service: 'remotemedia-grpc-server', pid: process.pid, ...(worker ? { worker: cluster.worker?.id } : {}) },
  });
  // Manifests come from the network: the operator's nodes, Python modules, pipelines, models and
  // remote endpoints are served; clients may not choose Python code unless the operator allows it.
  const operator = await createOperatorRuntime(config.operator, { logger }).catch(exitOnConfigError);
  const runner = operator.runner;
  operator.pipelines.watch();
  reloadPipelinesOnSighup(operator.pipelines);
  // Workers leave /metrics to the primary, which merges them.
  const server = createGrpcServer({ ...toServerOptions(config), ...(worker ? { metricsPort: undefined } : {}), pipeline: runner, logger });
  const address = await server.listen();
  const stop = async () => {
    logger.info({ activeCalls: server.activeCalls }, 'closing the server');
    await server.close();
    await operator.close();
    await runner.shutdown({ graceMs: 0 });
  };
  if (!worker) {
    logger.info(
      {
        url: address.url,
        port: address.port,
        metrics: server.metricsAddress?.url,
        auth: config.requireAuth,
        pipelines: operator.pipelines.names(),
        nodes: operator.operatorNodes,
      },
      'ready',
    );
    handleShutdownSignals(logger, stop);
    return;
  }
  logger.info({ url: address.url }, 'worker ready');
  process.send!({ type: 'remotemedia:ready', url: address.url, port: address.port } satisfies WorkerMessage);
  let stopping = false;
  const stopOnce = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.warn({ err: (error as Error)?.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('message', (message: PrimaryMessage) => {
    if (message?.type === 'remotemedia:shutdown') stopOnce();
    else if (message?.type === 'remotemedia:metrics')
      void server.metricsText().then((text) => process.send?.({ type: 'remotemedia:metrics', id: message.id, text } satisfies WorkerMessage));
  });
  // The primary decides when to stop (it got SIGINT/SIGTERM); a vanished primary means stop too, so no worker is orphaned.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', stopOnce);
  process.on('disconnect', stopOnce);
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseGrpcAppConfig(process.argv.slice(2));
  } catch (error) {
    if (isConfigError(error)) exitOnConfigError(error);
    if (error instanceof InvalidArgumentError) console.error(`error: ${error.message}`);
    // Bad flags or values exit 2 like every configuration error; --help and --version exit 0.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
  const workers = config.workers === 0 ? availableParallelism() : config.workers;
  if (workers > 1 && cluster.isPrimary) {
    const logger = pino({ level: config.logLevel, base: { service: 'remotemedia-grpc-server', pid: process.pid, role: 'primary' } });
    runClusterPrimary({
      workers,
      logger,
      metricsHost: parseBindAddress(config.bindAddress).host,
      metricsPort: config.metricsPort,
      // The merged /metrics follows the same rule as a single server's: a token when auth is required, unless public.
      metricsTokens: config.requireAuth && !config.metricsPublic ? config.authTokens : undefined,
      headersTimeoutMs: config.headersTimeoutMs,
      shutdownGraceMs: config.shutdownGraceMs,
    });
    return;
  }
  await serve(config, cluster.isWorker);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
