// pnpm demo  (with `pnpm start` running): GRPC_URL, GRPC_TOKEN, and a WAV path as argument.
import { fileURLToPath } from 'node:url';
import { createGrpcPipelineClient } from '@remotemedia/transport-grpc';
import { runVadDemo } from './vad-client.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const baseUrl = process.env.GRPC_URL ?? 'http://127.0.0.1:50051';
const client = createGrpcPipelineClient({ baseUrl, token: process.env.GRPC_TOKEN });
try {
  const wavPath = process.argv[2] ?? `${repo}fixtures/audio/speech-48k-stereo.wav`;
  console.log(`streaming ${wavPath} to ${baseUrl} through examples/vad.yaml`);
  const found = await runVadDemo({ client, manifestPath: `${repo}examples/vad.yaml`, wavPath });
  console.log(`${found.length} utterance(s)`);
} catch (error) {
  console.error(`error: ${(error as Error).message}${(error as { code?: number }).code === 14 ? ` (is the server running? start it with: pnpm start)` : ''}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
