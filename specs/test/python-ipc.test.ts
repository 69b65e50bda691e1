// specs/python-ipc.md against the implementations: its tables against the Python SDK's constants
// and the runtime's default limit, and a real `python3 -m remotemedia.worker` driven on fds 3 and
// 4 with frames this test encodes from the spec's byte layout alone (not with either codec).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { PYTHON_SDK_DIR, PythonRuntime } from '@remotemedia/runtime-core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { readSpec } from './spec-documents.js';

const spec = readSpec('python-ipc.md');
/** Rows `| n | NAME | ...` of the frame type table, and `| kind | n | ...` of the data kinds. */
const specTypes = Object.fromEntries([...spec.matchAll(/^\| (\d+) \| ([A-Z_]+) \|/gm)].map((m) => [m[2], Number(m[1])]));
const specKinds = Object.fromEntries([...spec.matchAll(/^\| ([a-z]+) \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]));

const env = { ...process.env, PYTHONPATH: PYTHON_SDK_DIR };
const dir = mkdtempSync(join(tmpdir(), 'rm-spec-ipc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A frame per the spec: u32 length, u8 type, u8 kind, u16 flags, u32 request id, body. */
function frame(type: number, requestId: number, body: Buffer = Buffer.alloc(0), kind = 0, flags = 0): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(8 + body.length, 0);
  head.writeUInt8(type, 4);
  head.writeUInt8(kind, 5);
  head.writeUInt16LE(flags, 6);
  head.writeUInt32LE(requestId, 8);
  return Buffer.concat([head, body]);
}
/** A data body: u32 meta length, meta JSON space-padded so the payload starts 8-byte aligned in the frame, payload. */
function dataBody(meta: object, payload: Buffer): Buffer {
  let text = JSON.stringify(meta);
  while ((12 + 4 + Buffer.byteLength(text)) % 8) text += ' ';
  const len = Buffer.alloc(4);
  len.writeUInt32LE(Buffer.byteLength(text), 0);
  return Buffer.concat([len, Buffer.from(text), payload]);
}

interface ReadFrame {
  type: number;
  kind: number;
  flags: number;
  requestId: number;
  body: Buffer;
}

/** Frames read from fd 4 as the spec lays them out. */
function frameReader(out: Readable) {
  let pending = Buffer.alloc(0);
  const frames: ReadFrame[] = [];
  let wake: (() => void) | undefined;
  out.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
      const length = pending.readUInt32LE(0);
      frames.push({
        type: pending[4],
        kind: pending[5],
        flags: pending.readUInt16LE(6),
        requestId: pending.readUInt32LE(8),
        body: pending.subarray(12, 4 + length),
      });
      pending = pending.subarray(4 + length);
    }
    wake?.();
  });
  return async (): Promise<ReadFrame> => {
    while (!frames.length) await new Promise<void>((r) => (wake = r));
    return frames.shift()!;
  };
}

describe('specs/python-ipc.md', () => {
  it('numbers frame types and data kinds as the Python SDK does; the default frame limit is 64 MiB', async () => {
    const constants = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          'import json, remotemedia.protocol as p; print(json.dumps({"types": {**p.FRAME_TYPES, **p.BRIDGE_FRAME_TYPES}, "kinds": p.DATA_KINDS, "header": p.HEADER_SIZE, "end": p.FLAG_END}))',
        ],
        { env, encoding: 'utf8' },
      ),
    );
    expect(specTypes).toEqual(constants.types);
    expect(specKinds).toEqual(constants.kinds);
    expect([constants.header, constants.end]).toEqual([12, 1]);
    const runtime = new PythonRuntime();
    expect(runtime.maxFrameBytes).toBe(64 * 1024 * 1024);
    expect(spec).toContain('default **64 MiB** (67,108,864 bytes)');
    await runtime.close();
  });

  it('a real worker answers INIT and PROCESS as the spec lays them out, and stops at a length field over the limit', async () => {
    const module = join(dir, 'spec_nodes.py');
    writeFileSync(
      module,
      'from remotemedia import Node, register_node\n\n@register_node("SpecEcho")\nclass SpecEcho(Node):\n    def process(self, data):\n        return data\n',
    );
    const limit = 1024;
    const child: ChildProcess = spawn('python3', ['-m', 'remotemedia.worker'], {
      env: { ...env, REMOTEMEDIA_MAX_FRAME_BYTES: String(limit) },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const toWorker = child.stdio[3] as Writable;
    const next = frameReader(child.stdio[4] as Readable);
    const T = specTypes;

    toWorker.write(
      frame(T.INIT, 0, Buffer.from(JSON.stringify({ nodeType: 'SpecEcho', nodeId: 'n', sessionId: 's', params: {}, modules: [module], pythonPath: [] }))),
    );
    const ready = await next();
    expect([ready.type, ready.requestId], stderr).toEqual([T.READY, 0]);
    expect(JSON.parse(ready.body.toString()).pid).toBe(child.pid);

    toWorker.write(frame(T.PROCESS, 7, dataBody({ channel: 'c' }, Buffer.from('héllo')), specKinds.text));
    const output = await next();
    expect([output.type, output.kind, output.requestId]).toEqual([T.OUTPUT, specKinds.text, 7]);
    const metaLength = output.body.readUInt32LE(0);
    expect((12 + 4 + metaLength) % 8).toBe(0); // the payload starts 8-byte aligned
    expect(JSON.parse(output.body.subarray(4, 4 + metaLength).toString())).toMatchObject({ channel: 'c' });
    expect(output.body.subarray(4 + metaLength).toString()).toBe('héllo');
    if (!(output.flags & 1)) expect([(await next()).type]).toEqual([T.DONE]); // END flag, or a DONE frame

    const audio = Buffer.from(new Float32Array([0.5, -0.25]).buffer);
    toWorker.write(frame(T.PROCESS, 8, dataBody({ sampleRate: 16000, channels: 1 }, audio), specKinds.audio));
    const echoed = await next();
    expect([echoed.kind, echoed.requestId]).toEqual([specKinds.audio, 8]);
    expect(echoed.body.subarray(4 + echoed.body.readUInt32LE(0)).equals(audio)).toBe(true);
    if (!(echoed.flags & 1)) await next();

    // A length field over the limit: the worker must not wait for the bytes; it stops.
    const over = Buffer.alloc(12);
    over.writeUInt32LE(limit + 1, 0);
    over.writeUInt8(T.PROCESS, 4);
    toWorker.write(over);
    expect(await exited).not.toBe(0);
    expect(stderr).toMatch(/over the limit maxFrameBytes=1024/);
  });
});
