import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as mini } from 'zod/mini';
import { Code, NodeRegistry, RemoteMediaError, VadSegmenter, builtinNodes, defineNode, describeNode, validateManifest } from '@remotemedia/runtime-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// Custom nodes written with classic zod (the built-in ones use zod/mini) must keep working.
const ClassicNode = defineNode({
  type: 'Classic',
  description: 'params schema written with classic zod',
  paramsSchema: z.object({ gain: z.number().min(0).max(2).default(1), label: z.string().optional() }).strict(),
  accepts: 'any',
  produces: 'any',
  create: (params) => ({ process: (input) => (params.gain > 0 ? input : undefined) }),
});

const MiniNode = defineNode({
  type: 'Mini',
  description: 'params schema written with zod/mini',
  paramsSchema: mini.strictObject({ gain: mini._default(mini.number().check(mini.minimum(0), mini.maximum(2)), 1), label: mini.optional(mini.string()) }),
  accepts: 'any',
  produces: 'any',
  create: () => ({ process: (input) => input }),
});

const registry = new NodeRegistry([...builtinNodes, ClassicNode, MiniNode]);
const manifest = (nodes: unknown[]) => ({ version: 'v1', metadata: { name: 'zod' }, nodes });

describe('node params schemas: classic zod and zod/mini', () => {
  it('validates, defaults and reports a classic zod schema like a mini one', () => {
    for (const nodeType of ['Classic', 'Mini']) {
      const ok = validateManifest(manifest([{ id: 'n', nodeType }]), registry);
      expect(ok.ok && ok.manifest.nodes[0]?.params).toEqual({ gain: 1 });
      const bad = validateManifest(manifest([{ id: 'n', nodeType, params: { gain: 3, label: 7, extra: true } }]), registry);
      expect(bad.problems).toEqual([
        { path: 'nodes[0].params.gain', message: 'expected a number <= 2, got 3' },
        { path: 'nodes[0].params.label', message: 'expected string, got 7' },
        { path: 'nodes[0].params', message: 'unknown field "extra"' },
      ]);
    }
  });

  it('publishes the same JSON Schema for both', () => {
    const { paramsJsonSchema: classic } = describeNode(ClassicNode);
    const { paramsJsonSchema: fromMini } = describeNode(MiniNode);
    expect(classic).toEqual(fromMini);
    expect(classic).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { gain: { type: 'number', minimum: 0, maximum: 2, default: 1 } },
    });
  });

  it('registerFunction takes a classic zod schema', () => {
    const r = new NodeRegistry().registerFunction({ type: 'Add', paramsSchema: z.object({ add: z.number().default(1) }) }, (input, params) => ({
      kind: 'json',
      value: params.add,
    }));
    const result = validateManifest(manifest([{ id: 'a', nodeType: 'Add', params: { add: 'x' } }]), r);
    expect(result.problems).toEqual([{ path: 'nodes[0].params.add', message: 'expected number, got "x"' }]);
  });

  it('gives the same problems in a process that never loads classic zod (as a browser bundle would)', async () => {
    const bad = manifest([
      { id: 'a b', nodeType: 'AudioChunker', params: { samples: 1.5, ms: 2, remainder: 'x' } },
      { id: 'c', nodeType: 'Calculator', params: { operation: 'pow', operand: 'x' } },
      { id: 'd', nodeType: 'TextCollector', params: { delimiters: '', minLength: -1, bogus: 1 } },
    ]);
    const inProcess = validateManifest(bad, new NodeRegistry(builtinNodes)).problems;
    expect(inProcess.length).toBeGreaterThan(5);
    // Only the main entry and zod/mini: no English locale is registered by classic zod there.
    const script = `import { NodeRegistry, builtinNodes, validateManifest } from '@remotemedia/runtime-core';
      process.stdout.write(JSON.stringify(validateManifest(${JSON.stringify(bad)}, new NodeRegistry(builtinNodes)).problems));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@remotemedia/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: resolve(repo, 'packages/runtime-core') },
    );
    expect(JSON.parse(stdout)).toEqual(inProcess);
  });

  it('VadSegmenter refuses bad options with InvalidArgument naming each one', () => {
    const error = (() => {
      try {
        new VadSegmenter({ threshold: 2, minSpeechMs: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect(error).toMatchObject({
      code: Code.InvalidArgument,
      details: [
        { path: 'threshold', message: 'expected a number < 1, got 2' },
        { path: 'minSpeechMs', message: 'expected a number >= 0, got -1' },
      ],
    });
  });
});
