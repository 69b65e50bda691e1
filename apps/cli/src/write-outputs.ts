import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type AudioData, Code, RemoteMediaError, type TransportData, encodeWav, transportDataToJson } from '@remotemedia/runtime-core';

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
 * Writes outputs to a file: `.wav` gets the audio outputs concatenated (each utterance in turn),
 * anything else gets JSON lines in the wire's JSON form.
 */
export async function writeOutputs(path: string, outputs: TransportData[]): Promise<string> {
  if (extname(path).toLowerCase() === '.wav') {
    const audio = outputs.map((o) => o.data).filter((d): d is AudioData => d.kind === 'audio');
    if (!audio.length) throw new RemoteMediaError(Code.FailedPrecondition, `the pipeline produced no audio to write to ${path}`);
    const { sampleRate, channels } = audio[0]!;
    if (audio.some((a) => a.sampleRate !== sampleRate || a.channels !== channels)) {
      throw new RemoteMediaError(Code.FailedPrecondition, `cannot write ${path}: audio outputs differ in sample rate or channel count`);
    }
    const samples = new Float32Array(audio.reduce((n, a) => n + a.samples.length, 0));
    let offset = 0;
    for (const a of audio) {
      samples.set(a.samples, offset);
      offset += a.samples.length;
    }
    await writeFile(path, encodeWav({ kind: 'audio', samples, sampleRate, channels }));
    return `wrote ${audio.length} audio output(s), ${(samples.length / channels / sampleRate).toFixed(2)} s, to ${path}`;
  }
  await writeFile(path, outputs.map((o) => JSON.stringify(transportDataToJson(o))).join('\n') + (outputs.length ? '\n' : ''));
  return `wrote ${outputs.length} output(s) to ${path}`;
}
