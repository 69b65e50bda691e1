import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RemoteMediaError, type RuntimeData } from '../../src/index.js';
import { createNodeRegistry, createNodeRunner } from '../../src/nodejs/runners/create-node-runner.js';
import { SILERO_VAD_MODEL_PATH, sileroSessionCount } from '../../src/nodejs/models/silero-model.js';
import { createSileroVadNode } from '../../src/nodejs/nodes/audio/silero-vad.js';

// Issue 23, case 4: a manifest's modelPath comes from the network. It may only name model files
// inside the operator's model directories; every refusal looks the same; every spelling of one
// file shares one cached session; nothing blocks the event loop.
const dir = mkdtempSync(join(tmpdir(), 'rm-models-'));
copyFileSync(SILERO_VAD_MODEL_PATH, join(dir, 'vad.onnx'));
mkdirSync(join(dir, 'sub'));
execFileSync('mkfifo', [join(dir, 'fifo.onnx')]);
symlinkSync('/etc/passwd', join(dir, 'escape.onnx'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const registry = createNodeRegistry().register(createSileroVadNode({ modelDirs: [dir] }), { replace: true });
const runner = createNodeRunner({ registry });
const run = (modelPath: string) =>
  runner.execute({ version: 'v1', metadata: { name: 'm' }, nodes: [{ id: 'vad', nodeType: 'SileroVAD', params: { modelPath } }] }, []).then(
    (out: unknown[]) => out,
    (e: unknown) => e,
  );

describe('SileroVAD modelPath is resolved inside the operator model directories', () => {
  it('refuses files outside, missing files, directories, FIFOs and escaping symlinks with one and the same answer', async () => {
    const ticks = { n: 0 };
    const timer = setInterval(() => ticks.n++, 5);
    const requested = [
      '/etc/shadow',
      '/etc/passwd',
      '/nonexistent/x.onnx',
      'missing.onnx',
      '../../../../etc/shadow',
      'sub',
      '/',
      'fifo.onnx',
      join(dir, 'fifo.onnx'),
      'escape.onnx',
      'a\0b',
    ];
    const answers: unknown[] = [];
    for (const name of requested) {
      const e = await run(name);
      expect(e, name).toBeInstanceOf(RemoteMediaError);
      const json = (e as RemoteMediaError).toJSON();
      answers.push({ ...json, message: json.message.replace(JSON.stringify(name), '"<name>"') });
    }
    clearInterval(timer);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size, JSON.stringify(answers)).toBe(1);
    expect(answers[0]).toMatchObject({
      code: 'invalid_argument',
      reason: 'ModelNotAllowed',
      nodeId: 'vad',
      message: expect.stringContaining('modelPath "<name>" is not a model file this server offers'),
    });
    expect(ticks.n).toBeGreaterThan(0); // the FIFO was never opened: the event loop kept turning
  });

  it('every spelling of one file shares one session', async () => {
    const audio: RuntimeData = { kind: 'audio', samples: new Float32Array(512), sampleRate: 16000, channels: 1 };
    const before = sileroSessionCount();
    for (const name of ['vad.onnx', './vad.onnx', 'sub/../vad.onnx', join(dir, 'vad.onnx'), `${dir}//./vad.onnx`]) {
      const out = await runner.execute({ version: 'v1', metadata: { name: 'm' }, nodes: [{ id: 'vad', nodeType: 'SileroVAD', params: { modelPath: name } }] }, [
        audio,
      ]);
      expect(
        out.map((t) => t.data.kind),
        name,
      ).toEqual(['audio', 'json']);
    }
    expect(sileroSessionCount() - before).toBe(1);
  });

  it('keeps at most 8 model sessions cached however many distinct files are used', async () => {
    for (let i = 0; i < 12; i++) copyFileSync(SILERO_VAD_MODEL_PATH, join(dir, `copy${i}.onnx`));
    for (let i = 0; i < 12; i++) expect(await run(`copy${i}.onnx`)).toEqual([]);
    expect(sileroSessionCount()).toBeLessThanOrEqual(8);
  });
});
