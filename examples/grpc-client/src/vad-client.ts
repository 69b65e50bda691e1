// Streams a WAV file to a RemoteMedia gRPC server in 20 ms frames, through examples/vad.yaml
// running on the server, and reports each utterance the server sends back.
import { readFile } from 'node:fs/promises';
import { type AudioData, type PipelineClient, decodeWav } from '@remotemedia/runtime-core';
import { loadManifestFile } from '@remotemedia/runtime-core/node';

export interface VadDemoOptions {
  client: PipelineClient;
  manifestPath: string;
  wavPath: string;
  /** Frame size sent per message. Default 20 ms, like a live microphone. */
  frameMs?: number;
  print?: (line: string) => void;
}

export interface Utterance {
  startS: number;
  durationS: number;
}

export async function runVadDemo({ client, manifestPath, wavPath, frameMs = 20, print = console.log }: VadDemoOptions): Promise<Utterance[]> {
  const audio = decodeWav(new Uint8Array(await readFile(wavPath)));
  const session = await client.stream((await loadManifestFile(manifestPath)) as never);
  const utterances: Utterance[] = [];
  const reading = (async () => {
    for await (const out of session.outputs) {
      if (out.data.kind !== 'audio') continue;
      const u = { startS: (out.data.timestampUs ?? 0) / 1e6, durationS: out.data.samples.length / out.data.channels / out.data.sampleRate };
      utterances.push(u);
      print(`utterance ${utterances.length}: ${u.startS.toFixed(2)} s, ${u.durationS.toFixed(2)} s long`);
    }
  })();
  const step = Math.round((audio.sampleRate * frameMs) / 1000) * audio.channels;
  for (let i = 0; i < audio.samples.length; i += step) {
    const frame: AudioData = {
      kind: 'audio',
      samples: audio.samples.slice(i, i + step),
      sampleRate: audio.sampleRate,
      channels: audio.channels,
      timestampUs: Math.round(((i / audio.channels) * 1e6) / audio.sampleRate),
    };
    await session.send(frame);
  }
  await session.end();
  await reading;
  return utterances;
}
