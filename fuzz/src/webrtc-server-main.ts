// The WebRTC server as an operator would run it (there is no WebRTC server app yet): the server
// runner, loopback only, quiet logs. Logs one JSON `ready` line with its url.
import { createServerRunner, handleShutdownSignals, toNodeLogger } from '@remotemedia/runtime-core/node';
import { createWebRtcServer } from '@remotemedia/transport-webrtc';
import { pino } from 'pino';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
const runner = createServerRunner({ logger });
const server = await createWebRtcServer({ pipeline: runner, host: '127.0.0.1', port: 0, logger: toNodeLogger(logger) });
console.log(JSON.stringify({ msg: 'ready', url: server.url }));
handleShutdownSignals(logger, async () => {
  await server.close();
  await runner.shutdown({ graceMs: 0 });
});
