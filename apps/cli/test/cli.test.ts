import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '@remotemedia/runtime-core';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(repo, 'apps/cli/src/main.ts');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', main, ...args], { cwd: repo, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = mkdtempSync(join(tmpdir(), 'rm-cli-'));

describe('remotemedia CLI', () => {
  it('run: prints every output', () => {
    const r = cli('run', 'examples/calculator.yaml', '--json', '1', '2', '3');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['[double] 12', '[double] 14', '[double] 16']);
  });

  it('run --output writes JSON lines', () => {
    const out = join(tmp, 'out.jsonl');
    const r = cli('run', 'examples/calculator.yaml', '--json', '5', '--output', out);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).data)).toEqual([{ kind: 'json', value: 20 }]);
  });

  it('run streams a WAV file through the pipeline and writes a WAV', () => {
    const manifest = join(tmp, 'gain.yaml');
    writeFileSync(manifest, 'version: v1\nmetadata: { name: pass }\nnodes:\n  - { id: p, nodeType: PassThrough }\n');
    const samples = new Float32Array(16000).map((_, i) => Math.sin(i / 10) * 0.5);
    const input = join(tmp, 'in.wav');
    writeFileSync(input, encodeWav({ kind: 'audio', samples, sampleRate: 16000, channels: 1 }, { format: 'float32' }));
    const output = join(tmp, 'out.wav');
    const r = cli('run', manifest, '--input', input, '--output', output);
    expect(r.code, r.err).toBe(0);
    const back = decodeWav(new Uint8Array(readFileSync(output)));
    expect(back.sampleRate).toBe(16000);
    expect(back.samples.length).toBe(samples.length);
    expect(Math.max(...back.samples.map((v, i) => Math.abs(v - samples[i]!)))).toBeLessThan(1e-3);
  });

  it('run --output x.wav writes one WAV per utterance and the VAD events as JSON lines', () => {
    const output = join(tmp, 'utterances.wav');
    const r = cli('run', 'examples/vad.yaml', '--input', 'fixtures/audio/speech-48k-stereo.wav', '--output', output, '--split-audio');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('wrote 3 audio file(s)');
    for (const n of ['001', '002', '003']) expect(decodeWav(new Uint8Array(readFileSync(join(tmp, `utterances-${n}.wav`)))).sampleRate).toBe(16000);
    const events = readFileSync(join(tmp, 'utterances.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).data.value);
    expect(events.filter((e) => e.speechStart).length).toBe(3);
  });

  it('--python-module makes Python node types available to manifests (TS -> Python -> TS)', () => {
    const r = cli('--python-module', 'examples/python-node/nodes/example_nodes.py', 'run', 'examples/python-node/pipeline.yaml', '--json', '1', '2');
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['[times-ten] 40', '[times-ten] 90']);
    expect(cli('--python-module', 'examples/python-node/nodes/example_nodes.py', 'nodes').out).toMatch(/^Square\s/m);
  });

  it('validate: ok, and every problem listed with a non-zero exit', () => {
    expect(cli('validate', 'examples/calculator.yaml')).toMatchObject({ code: 0 });
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ version: 'v1', metadata: { name: 'b' }, nodes: [{ id: 'a', nodeType: 'Calculator', params: { operation: 'pow', operand: 1 } }], connections: [{ from: 'a', to: 'vad' }] }));
    const r = cli('validate', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nodes[0].params.operation: expected one of add, subtract, multiply, divide, got "pow"');
    expect(r.err).toContain('connections[0].to: unknown node "vad"');
  });

  it('nodes: lists node types, --json includes params schemas', () => {
    expect(cli('nodes').out).toMatch(/^Calculator\s+Applies/m);
    const nodes = JSON.parse(cli('nodes', '--json').out) as Array<{ type: string; paramsJsonSchema: object }>;
    expect(nodes.find((n) => n.type === 'PassThrough')?.paramsJsonSchema).toMatchObject({ type: 'object' });
    expect(nodes.find((n) => n.type === 'AudioChunker')?.paramsJsonSchema).toMatchObject({ type: 'object', properties: { ms: { type: 'number' } } });
  });

  it('user errors are one clear line and a non-zero exit, never a stack trace', () => {
    const notWav = join(tmp, 'fake.wav');
    writeFileSync(notWav, 'this is not audio');
    for (const [args, expected] of [
      [['run', 'nope.yaml'], 'manifest file not found: nope.yaml'],
      [['run', 'examples/calculator.yaml', '--input', notWav], 'fake.wav'],
      [['run', 'examples/calculator.yaml', '--json', '{oops'], '--json value 1 is not valid JSON'],
      [['run', 'examples/calculator.yaml', '--text', 'abc'], 'Calculator expects a number, got "abc"'],
    ] as const) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain(expected);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
