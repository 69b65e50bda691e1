// examples/voice-loop.yaml for a server-side caller: streamed over gRPC to a real server, the
// reply comes back as audio frames in the same output stream as the transcript and reply text.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AudioData, RuntimeData } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { createGrpcPipelineClient, createGrpcServer } from '@remotemedia/transport-grpc';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const HAVE_SPHINX = existsSync('/usr/share/pocketsphinx/model/en-us/en-us.lm.bin') && existsSync('/usr/lib/python3/dist-packages/pocketsphinx');

describe.skipIf(!HAVE_SPHINX)('examples/voice-loop.yaml over gRPC streaming', () => {
  it('hears a question the TTS made and streams the spoken reply back', async () => {
    const runner = createNodeRunner();
    const server = createGrpcServer({ pipeline: runner, bindAddress: '127.0.0.1:0' });
    const { url } = await server.listen();
    const client = createGrpcPipelineClient({ baseUrl: url });
    try {
      const spoken = await runner.execute(
        { version: 'v1', metadata: { name: 'say' }, nodes: [{ id: 'tts', nodeType: 'TextToSpeech', params: { sampleRate: 48000 } }] },
        [{ kind: 'text', text: 'Hello, how are you?' }],
      );
      const question = spoken.map((o) => (o.data as AudioData).samples);
      const input = new Float32Array(24000 + question.reduce((n, q) => n + q.length, 0) + 72000);
      let o = 24000;
      for (const q of question) input.set(q, (o += q.length) - q.length);

      const session = await client.stream(readFileSync(`${repo}examples/voice-loop.yaml`, 'utf8'));
      const outs: { data: RuntimeData; metadata: Record<string, string> }[] = [];
      const reading = (async () => {
        for await (const out of session.outputs) outs.push(out);
      })();
      for (let i = 0; i < input.length; i += 960)
        await session.send({ kind: 'audio', samples: input.slice(i, i + 960), sampleRate: 48000, channels: 1, timestampUs: (i / 48) * 1000 });
      await session.end();
      await reading;

      const byNode = (id: string) => outs.filter((x) => x.metadata['rm-node-id'] === id).map((x) => x.data);
      expect(String((byNode('transcripts')[0] as unknown as { value: { text: string } } | undefined)?.value.text)).toContain('hello');
      expect(byNode('replies')).toEqual([{ kind: 'text', text: 'Hello! How can I help you?', channel: 'reply' }]);
      const audio = byNode('tts').filter((d): d is AudioData => d.kind === 'audio');
      expect(audio.reduce((n, a) => n + a.samples.length, 0) / 16000).toBeGreaterThan(1);
      expect(
        byNode('tts')
          .filter((d) => d.kind === 'json')
          .map((d) => (d as unknown as { value: { tts: string } }).value.tts),
      ).toEqual(['start', 'end']);
    } finally {
      await client.close();
      await server.close();
      await runner.shutdown();
    }
  }, 60_000);
});
