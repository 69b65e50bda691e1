import { describe, expect, it } from 'vitest';
import { Code, NodeRegistry, RemoteMediaError, builtinNodes, createPipelineRunner, manifestJsonSchema, validateManifest } from '@remotemedia/runtime-core';
import { z } from 'zod';

const registry = new NodeRegistry(builtinNodes).register({
  type: 'Resample',
  description: 'test',
  paramsSchema: z.object({ targetRate: z.number().int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' }) }),
  accepts: ['audio'],
  produces: ['audio'],
  create: () => ({ process: (x) => x }),
});
const messages = (input: unknown) => {
  const r = validateManifest(input, registry);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};

describe('manifest validation', () => {
  it('reports every problem at once, each with its path and a plain message', () => {
    const problems = messages({
      version: 'v1',
      metadata: { name: 'x' },
      nodes: [
        { id: 'a', nodeType: 'PassThrough' },
        { id: 'b', nodeType: 'PassThrough' },
        { id: 'r', nodeType: 'Resample', params: { targetRate: -1 } },
      ],
      connections: [
        { from: 'a', to: 'vad' },
        { from: 'a', to: 'b' },
      ],
    });
    expect(problems).toEqual(['nodes[2].params.targetRate: expected a positive integer, got -1', 'connections[0].to: unknown node "vad"']);
  });

  it('names the path of a cycle', () => {
    const problems = messages({
      version: 'v1',
      metadata: { name: 'x' },
      nodes: ['a', 'b', 'c'].map((id) => ({ id, nodeType: 'PassThrough' })),
      connections: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
        { from: 'b', to: 'c' },
      ],
    });
    expect(problems).toEqual(['cycle: a -> b -> a']);
  });

  it('reports structural problems: version, missing fields, unknown fields, duplicate ids, unknown types', () => {
    expect(messages({ version: 'v2', metadata: {}, nodes: [] })).toEqual([
      'version: expected "v1", got "v2"',
      'metadata.name: is required',
      'nodes: a pipeline needs at least one node, got an empty list',
    ]);
    expect(
      messages({
        version: 'v1',
        metadata: { name: 'x' },
        nodes: [{ id: 'a', nodeType: 'PassThrough', colour: 'red' }],
      }),
    ).toEqual(['nodes[0]: unknown field "colour"']);
    expect(
      messages({
        version: 'v1',
        metadata: { name: 'x' },
        nodes: [
          { id: 'a', nodeType: 'PassThrough' },
          { id: 'a', nodeType: 'Passthrough' },
        ],
      }),
    ).toEqual([
      'nodes[1].id: duplicate node id "a" (first used at nodes[0])',
      'nodes[1].nodeType: unknown node type "Passthrough" (did you mean "PassThrough"?)',
    ]);
  });

  it('accepts YAML and node_type, and applies param defaults', () => {
    const r = validateManifest(`version: v1\nmetadata:\n  name: yaml\nnodes:\n  - id: t\n    node_type: TextCollector\n`, registry);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.manifest.nodes[0].params).toEqual({ delimiters: '.!?', minLength: 1, flushRemainder: true });
  });

  it('gives the line of a YAML syntax error', () => {
    const r = validateManifest('version: v1\nnodes: [\n', registry);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].message).toMatch(/line \d+/);
  });

  it('the runner throws InvalidArgument with details, and ResourceExhausted past maxNodes', async () => {
    const runner = createPipelineRunner({ limits: { maxNodes: 1 } });
    const two = {
      version: 'v1',
      metadata: { name: 'x' },
      nodes: [
        { id: 'a', nodeType: 'PassThrough' },
        { id: 'b', nodeType: 'PassThrough' },
      ],
    };
    const error = await runner.execute(two as never, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).code).toBe(Code.ResourceExhausted);
    expect((error as RemoteMediaError).message).toContain('maxNodes=1');
  });

  it('publishes JSON Schemas for the manifest and every node type', () => {
    const schema = manifestJsonSchema();
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object)).toEqual(expect.arrayContaining(['version', 'metadata', 'nodes', 'connections']));
    const calc = createPipelineRunner()
      .listNodes()
      .find((n) => n.type === 'Calculator')!;
    expect(calc.paramsJsonSchema).toMatchObject({ type: 'object', properties: { operation: { enum: ['add', 'subtract', 'multiply', 'divide'] } } });
  });
});
