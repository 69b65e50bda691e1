import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import type { AudioData, RuntimeData } from '../../src/data/runtime-data.js';
import { chunks, expectedSegments, loadFixture, repoRoot, segmentsFromEvents } from './fixture.js';

describe('examples/vad.yaml', () => {
  it('turns the 48 kHz stereo fixture into three 16 kHz mono utterances and VAD events, streamed in 20 ms frames', async () => {
    const manifest = readFileSync(join(repoRoot, 'examples/vad.yaml'), 'utf8');
    const input = loadFixture('speech-48k-stereo.wav');
    const runner = createNodeRunner();
    const session = await runner.stream(manifest);
    const outputs: RuntimeData[] = [];
    const reading = (async () => {
      for await (const out of session.outputs) outputs.push(out.data);
    })();
    for (const frame of chunks(input, 960)) await session.send(frame);
    await session.end();
    await reading;

    const utterances = outputs.filter((d): d is AudioData => d.kind === 'audio');
    const events = outputs.filter((d) => d.kind === 'json').map((d) => (d as { value: Record<string, unknown> }).value);
    const expected = expectedSegments();
    // One event per 512-sample frame at 16 kHz.
    expect(events.length).toBe(Math.ceil(Math.ceil(input.samples.length / 2 / 3) / 512));
    const segments = segmentsFromEvents(events);
    expect(segments).toHaveLength(expected.length);
    expect(utterances).toHaveLength(expected.length);
    utterances.forEach((u, i) => {
      expect([u.sampleRate, u.channels]).toEqual([16000, 1]);
      const startMs = u.timestampUs! / 1000 + 100; // minus the 100 ms pre-roll
      const endMs = u.timestampUs! / 1000 + (u.samples.length / 16000) * 1000;
      expect(Math.abs(startMs - expected[i].startMs), `utterance ${i} start`).toBeLessThanOrEqual(100);
      expect(Math.abs(endMs - expected[i].endMs), `utterance ${i} end`).toBeLessThanOrEqual(100);
    });
  });
});
