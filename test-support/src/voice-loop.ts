// The caller's side of examples/voice-loop.yaml in tests, over any transport: a question the
// project's own TTS speaks, streamed in 20 ms frames, and the session's outputs by node.
// Structural types: test-support depends on no workspace package (they depend on it).

interface Speaks {
  execute(manifest: string, inputs: readonly object[]): Promise<readonly { data: unknown }[]>;
}

interface VoiceSession {
  send(input: object): Promise<void>;
  end(): Promise<void>;
  readonly outputs: AsyncIterable<{ data: unknown; metadata: Record<string, string> }>;
}

const RATE = 48_000;

/** `text` spoken by TextToSpeech at 48 kHz, after 0.5 s of silence and before 1.5 s (the VAD's hangover and the reply need it). */
export async function spokenQuestion(runner: Speaks, text: string): Promise<Float32Array> {
  const say = { version: 'v1', metadata: { name: 'say' }, nodes: [{ id: 'tts', nodeType: 'TextToSpeech', params: { sampleRate: RATE } }] };
  const spoken = await runner.execute(JSON.stringify(say), [{ kind: 'text', text }]);
  const parts = spoken.map((o) => (o.data as { samples: Float32Array }).samples);
  const audio = new Float32Array(RATE / 2 + parts.reduce((n, p) => n + p.length, 0) + (RATE * 3) / 2);
  let at = RATE / 2;
  for (const p of parts) {
    audio.set(p, at);
    at += p.length;
  }
  return audio;
}

/** Sends `audio` in 20 ms frames (as fast as the session takes them), ends, and returns every output's data by node id. */
export async function streamVoiceLoop(session: VoiceSession, audio: Float32Array): Promise<(nodeId: string) => unknown[]> {
  const outs: { data: unknown; metadata: Record<string, string> }[] = [];
  const reading = (async () => {
    for await (const out of session.outputs) outs.push(out);
  })();
  const frame = RATE / 50;
  for (let i = 0; i < audio.length; i += frame) {
    await session.send({ kind: 'audio', samples: audio.slice(i, i + frame), sampleRate: RATE, channels: 1, timestampUs: (i / RATE) * 1_000_000 });
  }
  await session.end();
  await reading;
  return (nodeId) => outs.filter((o) => o.metadata['rm-node-id'] === nodeId).map((o) => o.data);
}
