// Child process for the handles test: a server and a client on loopback, sessions with data and
// audio (as `pnpm bench webrtc` opens them), then everything closed. It must then exit on its own:
// no process.exit here. If something is still open after 5 s, it says what (an unref'd timer).
import { createPipelineRunner } from '@remotemedia/runtime-core';
import { createWebRtcPipelineClient, createWebRtcServer } from '../../src/index.js';

const ICE = { iceHostAddresses: ['127.0.0.1'] };
const echo = { version: 'v1', metadata: { name: 'handles' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;
const runner = createPipelineRunner();
const server = await createWebRtcServer({ pipeline: runner, lingerMs: 100 });
const client = createWebRtcPipelineClient({ signalingUrl: server.signalingUrl, ...ICE });

const data = await client.stream(echo);
await data.send({ kind: 'json', value: 1 });
await data.recv();
await data.close();

const withAudio = await client.openSession({ manifest: echo, audio: true });
withAudio.audio!.send({ kind: 'audio', samples: new Float32Array(960), sampleRate: 48_000, channels: 1 });
await withAudio.send({ kind: 'text', text: 'x' });
await withAudio.recv();
await withAudio.close();

// A few at once, left open for client.close() and server.close() to take down.
await Promise.all([client.stream(echo), client.openSession({ manifest: echo, audio: true }), client.openSession({ manifest: echo, audio: true })]);
await client.close();
await server.close();
process.stdout.write('closed\n');

setTimeout(() => {
  const handles = (process as unknown as { _getActiveHandles(): Array<{ constructor: { name: string }; address?: () => unknown }> })._getActiveHandles();
  const described = handles.map(
    (h) =>
      `${h.constructor.name} ${JSON.stringify(
        typeof h.address === 'function'
          ? (() => {
              try {
                return h.address();
              } catch {
                return null;
              }
            })()
          : null,
      )}`,
  );
  process.stdout.write(`still open: ${described.join('; ')}\n`);
}, 5000).unref();
