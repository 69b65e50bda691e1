// examples/voice-loop.yaml for a server-side caller: streamed over gRPC to a real server, the
// reply comes back as audio frames in the same output stream as the transcript and reply text.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AudioData } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { spokenQuestion, streamVoiceLoop } from '@remotemedia/test-support';
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
      const question = await spokenQuestion(runner, 'Hello, how are you?');
      const session = await client.stream(readFileSync(`${repo}examples/voice-loop.yaml`, 'utf8'));
      const byNode = await streamVoiceLoop(session, question);

      expect(String((byNode('transcripts')[0] as { value: { text: string } } | undefined)?.value.text)).toContain('hello');
      expect(byNode('replies')).toEqual([{ kind: 'text', text: 'Hello! How can I help you?', channel: 'reply' }]);
      const audio = byNode('tts').filter((d): d is AudioData => (d as AudioData).kind === 'audio');
      expect(audio.reduce((n, a) => n + a.samples.length, 0) / 16000).toBeGreaterThan(1);
      expect(
        byNode('tts')
          .filter((d) => (d as { kind: string }).kind === 'json')
          .map((d) => (d as { value: { tts: string } }).value.tts),
      ).toEqual(['start', 'end']);
    } finally {
      await client.close();
      await server.close();
      await runner.shutdown();
    }
  }, 60_000);
});
