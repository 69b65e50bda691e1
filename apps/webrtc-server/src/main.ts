#!/usr/bin/env node
// Runnable RemoteMedia WebRTC server: `pnpm --filter @remotemedia/webrtc-server start -- --bind 127.0.0.1:8088 --pipelines ./pipelines`.
// Browsers connect with `connectPipeline` from @remotemedia/transport-webrtc/browser (signaling at /signaling).
import { handleShutdownSignals } from '@remotemedia/runtime-core/node';
import { exitOnConfigError, isConfigError, reloadPipelinesOnSighup } from '@remotemedia/server-config';
import { CommanderError, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { parseWebRtcAppConfig } from './server-config.js';
import { createWebRtcApp } from './webrtc-app.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseWebRtcAppConfig(process.argv.slice(2));
  } catch (error) {
    if (isConfigError(error)) exitOnConfigError(error);
    if (error instanceof InvalidArgumentError) console.error(`error: ${error.message}`);
    // Bad flags or values exit 2 like every configuration error; --help exits 0.
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'remotemedia-webrtc-server' } });
  const app = await createWebRtcApp({ config, logger }).catch(exitOnConfigError);
  app.operator.pipelines.watch();
  reloadPipelinesOnSighup(app.operator.pipelines);
  logger.info(
    {
      url: app.url,
      port: app.port,
      signaling: app.webrtc.signalingUrl,
      whip: app.webrtc.whipUrl,
      auth: config.authTokens.length > 0,
      pipelines: app.operator.pipelines.names(),
      nodes: app.operator.operatorNodes,
    },
    'ready',
  );
  handleShutdownSignals(logger, () => app.close());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
