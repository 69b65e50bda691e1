import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeData } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { FRAME_TYPES } from '../../src/nodejs/multiprocess/frame-codec.js';
import { FIXTURE_NODES, chain } from './helpers.js';

// A python3 "interpreter" that runs the real worker but logs the type of every frame it receives,
// so the test sees the traffic the host actually sends.
const dir = mkdtempSync(join(tmpdir(), 'rm-ipc-'));
const log = join(dir, 'frames.log');
const python = join(dir, 'recording-python');
writeFileSync(
  python,
  `#!/usr/bin/env python3
import sys
import remotemedia.worker as w
dispatch = w.Worker.dispatch
def recording(self, ftype, kind, rid, frame):
    with open(${JSON.stringify(log)}, "a") as f:
        f.write(f"{ftype}\\n")
    return dispatch(self, ftype, kind, rid, frame)
w.Worker.dispatch = recording
w.main(sys.argv[3:])  # called as: -m remotemedia.worker [--describe MODULE...]
`,
);
chmodSync(python, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IPC traffic between the runtime and a Python process', () => {
  it('one output per input costs one frame each way: no CANCEL after an answered input', async () => {
    const runner = createNodeRunner({ python: { modules: [FIXTURE_NODES], pythonExecutable: python } });
    const session = await runner.stream(chain([{ nodeType: 'PyPassThrough' }]));
    const frame: RuntimeData = { kind: 'audio', samples: new Float32Array(960).fill(0.25), sampleRate: 48_000, channels: 1 };
    for (let i = 0; i < 20; i++) {
      await session.send(frame);
      const out = await session.recv();
      expect(out?.data.kind).toBe('audio');
    }
    await session.close();
    await runner.shutdown({ graceMs: 2000 });
    const types = readFileSync(log, 'utf8').trim().split('\n').map(Number);
    expect(types).toEqual([FRAME_TYPES.INIT, ...Array<number>(20).fill(FRAME_TYPES.PROCESS), FRAME_TYPES.CLOSE]);
  });

  it('a node that answers plainly, then streams, then answers plainly again is served in order across the switch to asyncio', async () => {
    const runner = createNodeRunner({ python: { modules: [FIXTURE_NODES] } });
    const session = await runner.stream(chain([{ nodeType: 'PyMaybeStream' }]));
    const received: unknown[] = [];
    const recvOne = async () => received.push((await session.recv())?.data);
    await session.send({ kind: 'text', text: 'before' });
    await recvOne();
    await session.send({ kind: 'json', value: [1, 2, 3] });
    for (let i = 0; i < 3; i++) await recvOne();
    await session.send({ kind: 'text', text: 'after' });
    await recvOne();
    expect(received).toEqual([
      { kind: 'text', text: 'before' },
      { kind: 'json', value: 1 },
      { kind: 'json', value: 2 },
      { kind: 'json', value: 3 },
      { kind: 'text', text: 'after' },
    ]);
    await session.close();
    await runner.shutdown({ graceMs: 2000 });
  });
});
