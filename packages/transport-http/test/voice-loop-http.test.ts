// examples/voice-loop.yaml for a server-side caller over HTTP streaming: the same session over a
// WebSocket and over POSTs plus SSE, against a real server on loopback; the reply comes back as
// audio in the same output stream as the transcript and the reply text.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AudioData, RuntimeData } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { createHttpPipelineClient, createHttpServer } from '@remotemedia/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const HAVE_SPHINX = existsSync('/usr/share/pocketsphinx/model/en-us/en-us.lm.bin') && existsSync('/usr/lib/python3/dist-packages/pocketsphinx');

describe.skipIf(!HAVE_SPHINX)('examples/voice-loop.yaml over HTTP streaming', () => {
  const runner = createNodeRunner();
  const server = createHttpServer({ pipeline: runner, bindAddress: '127.0.0.1:0' });
  let url = '';
  let question: Float32Array;

  beforeAll(async () => {
    ({ url } = await server.listen());
    const spoken = await runner.execute(
      { version: 'v1', metadata: { name: 'say' }, nodes: [{ id: 'tts', nodeType: 'TextToSpeech', params: { sampleRate: 48000 } }] },
      [{ kind: 'text', text: 'What is the weather like?' }],
    );
    const parts = spoken.map((o) => (o.data as AudioData).samples);
    // 0.5 s of silence, the question, 1.5 s of silence (the VAD's hangover and the reply need it).
    question = new Float32Array(24000 + parts.reduce((n, q) => n + q.length, 0) + 72000);
    let at = 24000;
    for (const p of parts) {
      question.set(p, at);
      at += p.length;
    }
  }, 60_000);

  afterAll(async () => {
    await server.close();
    await runner.shutdown();
  });

  it.each(['websocket', 'sse'] as const)(
    'hears the question and streams the spoken reply back (%s)',
    async (streaming) => {
      const client = createHttpPipelineClient({ baseUrl: url, streaming });
      try {
        const session = await client.stream(readFileSync(`${repo}examples/voice-loop.yaml`, 'utf8'));
        const outs: { data: RuntimeData; metadata: Record<string, string> }[] = [];
        const reading = (async () => {
          for await (const out of session.outputs) outs.push(out);
        })();
        for (let i = 0; i < question.length; i += 960) {
          await session.send({ kind: 'audio', samples: question.slice(i, i + 960), sampleRate: 48000, channels: 1, timestampUs: (i / 48) * 1000 });
        }
        await session.end();
        await reading;

        const byNode = (id: string) => outs.filter((x) => x.metadata['rm-node-id'] === id).map((x) => x.data);
        const events = byNode('speech-events').map((d) => (d as unknown as { value: { speechStart?: boolean; speechEnd?: boolean } }).value);
        expect(events.some((e) => e.speechStart)).toBe(true);
        expect(events.some((e) => e.speechEnd)).toBe(true);
        const transcript = byNode('transcripts')[0] as unknown as { value: { text: string; final: boolean } } | undefined;
        expect(transcript?.value.final).toBe(true);
        expect(transcript?.value.text).toContain('weather');
        expect(byNode('replies')).toEqual([{ kind: 'text', text: 'I have no window, so I cannot tell you about the weather.', channel: 'reply' }]);
        const audio = byNode('tts').filter((d): d is AudioData => d.kind === 'audio');
        expect(audio.every((a) => a.sampleRate === 16000 && a.channels === 1)).toBe(true);
        expect(audio.reduce((n, a) => n + a.samples.length, 0) / 16000).toBeGreaterThan(2);
        expect(
          byNode('tts')
            .filter((d) => d.kind === 'json')
            .map((d) => (d as unknown as { value: { tts: string } }).value.tts),
        ).toEqual(['start', 'end']);
      } finally {
        await client.close();
      }
    },
    60_000,
  );
});
