import { type AudioData, type PipelineRunner, type TransportData } from '@remotemedia/runtime-core';
import { loadManifestFile } from '@remotemedia/runtime-core/node';
import { createProgress } from './progress.js';
import { type InputFlags, readInputs } from './read-inputs.js';
import { describeOutput, writeOutputs } from './write-outputs.js';

export interface RunFlags extends InputFlags {
  output?: string;
  /** With a `.wav` output: one file per audio output instead of one stream. */
  splitAudio?: boolean;
  /** Audio frame size when streaming a WAV file. Default 20 ms. */
  frameMs: number;
}

/** Runs a manifest on the given input; audio files are streamed in frames through a session, as live audio would be. */
export async function runCommand(runner: PipelineRunner, manifestPath: string, flags: RunFlags, print: (line: string) => void): Promise<void> {
  const manifest = runner.resolve(await loadManifestFile(manifestPath));
  const inputs = await readInputs(flags);
  const outputs: TransportData[] = [];
  const onOutput = (out: TransportData) => {
    outputs.push(out);
    if (!flags.output) print(describeOutput(out));
  };
  if (inputs.kind === 'items') {
    for (const out of await runner.execute(manifest, inputs.items)) onOutput(out);
  } else {
    const session = await runner.stream(manifest);
    const frames = audioFrames(inputs.audio, flags.frameMs);
    const progress = createProgress(frames.length, `processing ${inputs.source}`);
    const reading = (async () => {
      for await (const out of session.outputs) onOutput(out);
    })();
    try {
      for (let i = 0; i < frames.length; i++) {
        await session.send(frames[i]);
        progress.update(i + 1);
      }
      await session.end();
    } finally {
      progress.finish();
    }
    await reading;
  }
  if (flags.output) print(await writeOutputs(flags.output, outputs, { splitAudio: flags.splitAudio }));
  else if (!outputs.length) print('(no outputs)');
}

function audioFrames(audio: AudioData, frameMs: number): AudioData[] {
  const frame = Math.max(1, Math.round((audio.sampleRate * frameMs) / 1000)) * audio.channels;
  const out: AudioData[] = [];
  const startUs = audio.timestampUs ?? 0;
  for (let i = 0; i < audio.samples.length; i += frame) {
    out.push({
      kind: 'audio',
      samples: audio.samples.subarray(i, i + frame),
      sampleRate: audio.sampleRate,
      channels: audio.channels,
      timestampUs: startUs + Math.round(((i / audio.channels) * 1e6) / audio.sampleRate),
    });
  }
  return out;
}
