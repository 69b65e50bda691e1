import { describe, expect, it } from 'vitest';
import { Code, PipelineRunner, RemoteMediaError, defineManifest, manifestText, manifestTextLiteral } from '@remotemedia/runtime-core';

const plain = () => ({
  version: 'v1' as const,
  metadata: { name: 'defined' },
  nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: 2 } }],
  connections: [],
});

describe('defineManifest', () => {
  it('is a deep-frozen copy whose JSON text is the text of what was given', () => {
    const input = plain();
    const defined = defineManifest(input);
    expect(defined).toEqual(input);
    expect(defined).not.toBe(input);
    expect(Object.isFrozen(defined)).toBe(true);
    expect(Object.isFrozen(defined.nodes[0].params)).toBe(true);
    expect(() => ((defined.nodes[0].params as { operand: number }).operand = 3)).toThrow(TypeError);
    expect(manifestText(defined)).toBe(JSON.stringify(input));
    // Changing the original afterwards changes neither the copy nor its text.
    input.nodes[0].params.operand = 40;
    expect(manifestText(defined)).toContain('"operand":2');
    expect(manifestText(input)).toContain('"operand":40');
    expect(manifestText('version: v1')).toBe('version: v1');
    // The quoted form bodies carry: the same as quoting the text, for every kind of source.
    for (const source of [defined, input, 'version: v1\nmetadata: {name: "q"}']) expect(manifestTextLiteral(source)).toBe(JSON.stringify(manifestText(source)));
  });

  it('names the path of a value JSON cannot carry', () => {
    const withFunction = { ...plain(), nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: () => 2 } }] };
    const error = (() => {
      try {
        defineManifest(withFunction);
      } catch (e) {
        return e as RemoteMediaError;
      }
    })();
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect(error!.code).toBe(Code.InvalidArgument);
    expect(error!.details[0].path).toBe('nodes[0].params.operand');
    expect(() => defineManifest({ ...plain(), metadata: { name: 'x', ratio: Number.NaN } })).toThrow(/metadata\.ratio/);
    expect(() => defineManifest({ ...plain(), metadata: { name: 'x', at: new Map() } })).toThrow(/metadata\.at/);
  });

  it('runs like the plain manifest, and a plain object still follows its changes between calls', async () => {
    const runner = new PipelineRunner();
    const defined = defineManifest(plain());
    expect((await runner.execute(defined, [{ kind: 'json', value: 1 }]))[0].data).toEqual({ kind: 'json', value: 3 });
    const mutable = plain();
    expect((await runner.execute(mutable, [{ kind: 'json', value: 1 }]))[0].data).toEqual({ kind: 'json', value: 3 });
    mutable.nodes[0].params.operand = 10;
    expect((await runner.execute(mutable, [{ kind: 'json', value: 1 }]))[0].data).toEqual({ kind: 'json', value: 11 });
  });
});
