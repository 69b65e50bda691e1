import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AudioData } from '../../src/data/runtime-data.js';
import { decodeWav } from '../../src/dsp/wav.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const fixturePath = (name: string) => join(repoRoot, 'fixtures/audio', name);

export function loadFixture(name: 'speech-16k-mono.wav' | 'speech-48k-stereo.wav'): AudioData {
  return decodeWav(new Uint8Array(readFileSync(fixturePath(name))));
}

export interface Segment {
  startMs: number;
  endMs: number;
}

export function expectedSegments(): Segment[] {
  return (JSON.parse(readFileSync(fixturePath('speech-segments.json'), 'utf8')) as { segments: Segment[] }).segments;
}

/** Splits interleaved audio into chunks of `frames` frames with running timestamps. */
export function chunks(audio: AudioData, frames: number): AudioData[] {
  const out: AudioData[] = [];
  const step = frames * audio.channels;
  for (let o = 0; o < audio.samples.length; o += step) {
    out.push({ ...audio, samples: audio.samples.slice(o, o + step), timestampUs: Math.round(((o / audio.channels) * 1e6) / audio.sampleRate) });
  }
  return out;
}

/** Pairs speechStart/speechEnd events into segments (ms). */
export function segmentsFromEvents(events: Record<string, unknown>[]): Segment[] {
  const segs: Segment[] = [];
  let start: number | undefined;
  for (const e of events) {
    if (e.speechEnd === true && start !== undefined && (e.speechStart !== true || (e.endUs as number) <= (e.startUs as number))) {
      segs.push({ startMs: start / 1000, endMs: (e.endUs as number) / 1000 });
      start = undefined;
    }
    if (e.speechStart === true) start = e.startUs as number;
  }
  return segs;
}
