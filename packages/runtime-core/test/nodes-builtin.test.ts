import { describe, expect, it } from 'vitest';
import { PipelineRunner, RUNTIME_VERSION } from '@remotemedia/runtime-core';
import pkg from '../package.json' with { type: 'json' };

const texts = (outs: { data: unknown }[]) => outs.map((o) => (o.data as { text: string }).text);

describe('built-in nodes', () => {
  it('Calculator: 1, 2, 3 with add 5 give 6, 7, 8; numeric text and arrays too', async () => {
    const runner = new PipelineRunner();
    const m = { version: 'v1', metadata: { name: 'c' }, nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } }] } as const;
    const outs = await runner.execute(m, [
      { kind: 'json', value: 1 },
      { kind: 'text', text: '2' },
      { kind: 'json', value: [3, 4] },
    ]);
    expect(outs.map((o) => o.data)).toEqual([
      { kind: 'json', value: 6 },
      { kind: 'json', value: 7 },
      { kind: 'json', value: [8, 9] },
    ]);
  });

  it('TextCollector joins tokens into sentences and flushes the remainder', async () => {
    const runner = new PipelineRunner();
    const m = { version: 'v1', metadata: { name: 't' }, nodes: [{ id: 't', nodeType: 'TextCollector' }] } as const;
    const tokens = ['Hel', 'lo', ' world.', ' Pi is 3', '.14 today!', ' And', ' more'];
    const outs = await runner.execute(
      m,
      tokens.map((text) => ({ kind: 'text', text })),
    );
    expect(texts(outs)).toEqual(['Hello world.', 'Pi is 3.14 today!', 'And more']);
  });

  it('RUNTIME_VERSION matches package.json', () => {
    expect(RUNTIME_VERSION).toBe(pkg.version);
  });
});
