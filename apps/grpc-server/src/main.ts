#!/usr/bin/env node
// Runnable RemoteMedia gRPC server. From the repo root: `pnpm start` (defaults: 0.0.0.0:50051, no auth,
// /metrics on :9464). Configure with flags or GRPC_* env, see `--help`.
import { createServerRunner, handleShutdownSignals } from '@remotemedia/runtime-core/node';
import { createGrpcServer } from '@remotemedia/transport-grpc';
import { CommanderError, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { parseGrpcAppConfig, toServerOptions } from './server-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseGrpcAppConfig(process.argv.slice(2));
  } catch (error) {
    if (error instanceof InvalidArgumentError) console.error(`error: ${error.message}`);
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'remotemedia-grpc-server' } });
  // Manifests come from the network: they may not choose Python code unless the operator allows it.
  const runner = createServerRunner({ logger, allowManifestPython: process.env.REMOTEMEDIA_ALLOW_MANIFEST_PYTHON === '1' });
  const server = createGrpcServer({ ...toServerOptions(config), pipeline: runner, logger });
  const address = await server.listen();
  logger.info({ url: address.url, port: address.port, metrics: server.metricsAddress?.url, auth: config.requireAuth }, 'ready');

  handleShutdownSignals(logger, async () => {
    logger.info({ activeCalls: server.activeCalls }, 'closing the server');
    await server.close();
    await runner.shutdown({ graceMs: 0 });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
