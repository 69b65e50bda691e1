import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { createGrpcPipelineClient, createGrpcServer } from '@remotemedia/transport-grpc';
import { describe, expect, it } from 'vitest';
import { runVadDemo } from '../src/vad-client.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

describe('README demo: gRPC client streaming a WAV through examples/vad.yaml on a real server', () => {
  it('finds the fixture utterances', async () => {
    const server = createGrpcServer({ pipeline: createNodeRunner(), bindAddress: '127.0.0.1:0' });
    const { url } = await server.listen();
    const client = createGrpcPipelineClient({ baseUrl: url });
    try {
      const lines: string[] = [];
      const utterances = await runVadDemo({
        client,
        manifestPath: `${repo}examples/vad.yaml`,
        wavPath: `${repo}fixtures/audio/speech-48k-stereo.wav`,
        print: (l) => lines.push(l),
      });
      const expected = JSON.parse(readFileSync(`${repo}fixtures/audio/speech-segments.json`, 'utf8'));
      const segments: Array<{ startMs: number; endMs: number }> = expected.segments;
      expect(utterances.length).toBe(segments.length);
      // Utterances start at the speech (minus the accumulator's 100 ms pre-roll), within 300 ms.
      utterances.forEach((u, i) => expect(Math.abs(u.startS * 1000 - segments[i].startMs)).toBeLessThan(300));
      expect(lines[0]).toMatch(/^utterance 1: /);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
