import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type AudioData, Code, RemoteMediaError, type TransportData, encodeWav } from '@remotemedia/runtime-core';
import { transportDataToJsonText } from '@remotemedia/runtime-core/kit';

/** One human-readable line per output, for a terminal. */
export function describeOutput(out: TransportData): string {
  const node = out.metadata['rm-node-id'] ?? '?';
  const d = out.data;
  switch (d.kind) {
    case 'json':
      return `[${node}] ${JSON.stringify(d.value)}`;
    case 'text':
      return `[${node}] ${d.channel ? `(${d.channel}) ` : ''}${d.text}`;
    case 'audio':
      return `[${node}] audio ${d.sampleRate} Hz x${d.channels}, ${(d.samples.length / d.channels / d.sampleRate).toFixed(3)} s${d.timestampUs !== undefined ? ` at ${(d.timestampUs / 1e6).toFixed(3)} s` : ''}`;
    case 'video':
      return `[${node}] video ${d.width}x${d.height} ${d.pixelFormat}`;
    case 'tensor':
      return `[${node}] tensor ${d.dtype} [${d.shape.join(', ')}]`;
    case 'image':
      return `[${node}] image ${d.format}, ${d.bytes.byteLength} bytes`;
    case 'binary':
      return `[${node}] binary ${d.bytes.byteLength} bytes${d.mimeType ? ` (${d.mimeType})` : ''}`;
    case 'control':
      return `[${node}] control ${d.control.type}`;
  }
}

/**
 * Writes outputs to files. `x.wav`: the audio outputs as one stream (concatenated), or with
 * `splitAudio` each in its own file (`x-001.wav`, `x-002.wav`, ...: one per utterance, say); any
 * other outputs go as JSON lines to `x.jsonl`. Any other name: every output as JSON lines.
 */
export async function writeOutputs(path: string, outputs: TransportData[], options: { splitAudio?: boolean } = {}): Promise<string> {
  const lines = (items: TransportData[]) => items.map(transportDataToJsonText).join('\n') + (items.length ? '\n' : '');
  if (extname(path).toLowerCase() !== '.wav') {
    await writeFile(path, lines(outputs));
    return `wrote ${outputs.length} output(s) to ${path}`;
  }
  const audio = outputs.map((o) => o.data).filter((d): d is AudioData => d.kind === 'audio');
  if (!audio.length) throw new RemoteMediaError(Code.FailedPrecondition, `the pipeline produced no audio to write to ${path}`);
  const stem = path.slice(0, -extname(path).length);
  const files = options.splitAudio
    ? audio.map((a, i) => ({ file: `${stem}-${String(i + 1).padStart(3, '0')}.wav`, audio: a }))
    : [{ file: path, audio: concatAudio(audio, path) }];
  for (const f of files) await writeFile(f.file, encodeWav(f.audio));
  const rest = outputs.filter((o) => o.data.kind !== 'audio');
  if (rest.length) await writeFile(`${stem}.jsonl`, lines(rest));
  const seconds = audio.reduce((n, a) => n + a.samples.length / a.channels / a.sampleRate, 0);
  const where = files.length > 1 ? `${files[0].file} .. ${files.at(-1)!.file}` : files[0].file;
  return `wrote ${files.length} audio file(s), ${seconds.toFixed(2)} s in all (${where})${rest.length ? `, and ${rest.length} other output(s) to ${stem}.jsonl` : ''}`;
}

function concatAudio(audio: AudioData[], path: string): AudioData {
  const { sampleRate, channels } = audio[0];
  if (audio.some((a) => a.sampleRate !== sampleRate || a.channels !== channels)) {
    throw new RemoteMediaError(
      Code.FailedPrecondition,
      `cannot write ${path} as one stream: audio outputs differ in sample rate or channel count (use --split-audio)`,
    );
  }
  const samples = new Float32Array(audio.reduce((n, a) => n + a.samples.length, 0));
  let offset = 0;
  for (const a of audio) {
    samples.set(a.samples, offset);
    offset += a.samples.length;
  }
  return { kind: 'audio', samples, sampleRate, channels };
}
