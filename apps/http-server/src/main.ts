#!/usr/bin/env node
// Runnable RemoteMedia HTTP server: `pnpm --filter @remotemedia/http-server start -- --bind 127.0.0.1:8080`.
import { createServerRunner, handleShutdownSignals } from '@remotemedia/runtime-core/node';
import { createHttpServer } from '@remotemedia/transport-http';
import { CommanderError } from 'commander';
import { pino } from 'pino';
import { loadPipelines, parseServerConfig, toServerOptions } from './server-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseServerConfig(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'remotemedia-http-server' } });
  // Manifests come from the network: they may not choose Python code unless the operator allows it.
  const runner = createServerRunner({ logger, allowManifestPython: process.env.REMOTEMEDIA_ALLOW_MANIFEST_PYTHON === '1' });
  const pipelines = await loadPipelines(config.pipelinesDir);
  const server = createHttpServer({ ...toServerOptions(config), pipeline: runner, pipelines, logger });
  const url = await server.listen();
  logger.info({ url, auth: config.authTokens.length > 0, pipelines: Object.keys(pipelines) }, 'ready');

  handleShutdownSignals(logger, async () => {
    await server.close({ graceMs: config.shutdownGraceMs });
    await runner.shutdown({ graceMs: 0 });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
