// Child process for the peer-vanish test: streams to the server until it is killed with SIGKILL.
import { createWebRtcPipelineClient } from '../../src/index.js';

const client = createWebRtcPipelineClient({ signalingUrl: process.argv[2] });
const session = await client.openSession({
  manifest: { version: 'v1', metadata: { name: 'vanish' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] },
  audio: true,
});
await session.send({ kind: 'text', text: 'hello' });
await session.recv();
process.stdout.write(`streaming ${session.sessionId}\n`);
// Keep audio and data flowing; the parent kills us mid-stream.
for (let i = 0; i < 3000; i++) {
  session.audio!.send({ kind: 'audio', samples: new Float32Array(960).fill(0.1), sampleRate: 48_000, channels: 1 });
  await session.send({ kind: 'json', value: i });
  await new Promise((r) => setTimeout(r, 20)); // kept: paces the stream like a live peer (20 ms frames)
}
