#!/usr/bin/env node
// Runnable RemoteMedia HTTP server: `pnpm --filter @remotemedia/http-server start -- --bind 127.0.0.1:8080`.
import { handleShutdownSignals } from '@remotemedia/runtime-core/node';
import { createOperatorRuntime, exitOnConfigError, isConfigError, reloadPipelinesOnSighup } from '@remotemedia/server-config';
import { createHttpServer } from '@remotemedia/transport-http';
import { CommanderError, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { parseServerConfig, toServerOptions } from './server-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseServerConfig(process.argv.slice(2));
  } catch (error) {
    if (isConfigError(error)) exitOnConfigError(error);
    if (error instanceof InvalidArgumentError) console.error(`error: ${error.message}`);
    // Bad flags or values exit 2 like every configuration error; --help and --version exit 0.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'remotemedia-http-server' } });
  // Manifests come from the network: the operator's nodes, Python modules, pipelines, models and
  // remote endpoints are served; clients may not choose Python code unless the operator allows it.
  const operator = await createOperatorRuntime(config.operator, { logger }).catch(exitOnConfigError);
  const runner = operator.runner;
  operator.pipelines.watch();
  reloadPipelinesOnSighup(operator.pipelines);
  // `?pipeline=<name>` reads the catalog's record, which reloads update in place.
  const server = createHttpServer({ ...toServerOptions(config), pipeline: runner, pipelines: operator.pipelines.record, logger });
  const { url } = await server.listen();
  logger.info({ url, auth: config.authTokens.length > 0, pipelines: operator.pipelines.names(), nodes: operator.operatorNodes }, 'ready');

  handleShutdownSignals(logger, async () => {
    await server.close({ graceMs: config.shutdownGraceMs });
    await operator.close();
    await runner.shutdown({ graceMs: 0 });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
