// examples/voice-loop.yaml for a server-side caller over HTTP streaming: the same session over a
// WebSocket and over POSTs plus SSE, against a real server on loopback; the reply comes back as
// audio in the same output stream as the transcript and the reply text.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AudioData } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { spokenQuestion, streamVoiceLoop } from '@remotemedia/test-support';
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
    question = await spokenQuestion(runner, 'What is the weather like?');
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
        const byNode = await streamVoiceLoop(session, question);

        const events = byNode('speech-events').map((d) => (d as { value: { speechStart?: boolean; speechEnd?: boolean } }).value);
        expect(events.some((e) => e.speechStart)).toBe(true);
        expect(events.some((e) => e.speechEnd)).toBe(true);
        const transcript = byNode('transcripts')[0] as { value: { text: string; final: boolean } } | undefined;
        expect(transcript?.value.final).toBe(true);
        expect(transcript?.value.text).toContain('weather');
        expect(byNode('replies')).toEqual([{ kind: 'text', text: 'I have no window, so I cannot tell you about the weather.', channel: 'reply' }]);
        const audio = byNode('tts').filter((d): d is AudioData => (d as AudioData).kind === 'audio');
        expect(audio.every((a) => a.sampleRate === 16000 && a.channels === 1)).toBe(true);
        expect(audio.reduce((n, a) => n + a.samples.length, 0) / 16000).toBeGreaterThan(2);
        expect(
          byNode('tts')
            .filter((d) => (d as { kind: string }).kind === 'json')
            .map((d) => (d as { value: { tts: string } }).value.tts),
        ).toEqual(['start', 'end']);
      } finally {
        await client.close();
      }
    },
    60_000,
  );
});
