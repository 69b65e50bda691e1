import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Code, ERROR_LIMITS, NodeRegistry, RemoteMediaError, builtinNodes, validateManifest } from '@remotemedia/runtime-core';
import { DEFAULT_SERVER_MAX_NODES, createServerRunner } from '@remotemedia/runtime-core/node';
import { yamlNestingBound } from '../src/manifest/parse-manifest.js';
import { findCycles } from '../src/manifest/graph-cycles.js';
import { invalidManifestError } from '../src/manifest/validate-manifest.js';

const registry = new NodeRegistry(builtinNodes);
const problemsOf = (input: unknown, limits = {}) => {
  const r = validateManifest(input, registry, limits);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
};
const chain = (n: number, backEvery = 0) => {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, nodeType: 'PassThrough' }));
  const connections: Array<{ from: string; to: string }> = [];
  for (let i = 1; i < n; i++) {
    connections.push({ from: `n${i - 1}`, to: `n${i}` });
    if (backEvery) for (let j = 0; j < i; j += backEvery) connections.push({ from: `n${i}`, to: `n${j}` });
  }
  return { version: 'v1', metadata: { name: 'x' }, nodes, connections };
};

describe('manifest validation stays bounded and linear (issue 23, case 2)', () => {
  it('a 1,450-node chain with back edges to every 10th node: a bounded report naming a few cycles', () => {
    const manifest = chain(1450, 10);
    const text = JSON.stringify(manifest);
    expect(text.length).toBeGreaterThan(1_000_000);
    const problems = problemsOf(text);
    // One strongly connected group: one example cycle, shortest through its first node.
    expect(problems).toEqual([{ path: 'cycle', message: 'n0 -> n1 -> n0' }]);
    const error = invalidManifestError(problems);
    expect(JSON.stringify(error.toJSON()).length).toBeLessThan(1000);
  });

  it('many separate cycles: five examples and a count of the rest', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => ({ id: `n${i}`, nodeType: 'PassThrough' }));
    const connections = Array.from({ length: 20 }, (_, k) => [
      { from: `n${2 * k}`, to: `n${2 * k + 1}` },
      { from: `n${2 * k + 1}`, to: `n${2 * k}` },
    ]).flat();
    const problems = problemsOf({ version: 'v1', metadata: { name: 'x' }, nodes, connections });
    expect(problems.map((p) => p.message)).toEqual([
      'n0 -> n1 -> n0',
      'n2 -> n3 -> n2',
      'n4 -> n5 -> n4',
      'n6 -> n7 -> n6',
      'n8 -> n9 -> n8',
      'and 15 more groups of nodes that form cycles',
    ]);
  });

  it('a long cycle is named by its first nodes and its length', () => {
    const manifest = chain(50);
    manifest.connections.push({ from: 'n49', to: 'n0' });
    expect(problemsOf(manifest)).toEqual([{ path: 'cycle', message: 'n0 -> n1 -> n2 -> n3 -> n4 -> n5 -> n6 -> n7 -> ... -> n0 (a cycle of 50 nodes)' }]);
  });

  it('a chain of 20,000 nodes is checked without recursion (no stack overflow)', () => {
    const manifest = chain(20_000);
    expect(validateManifest(manifest, registry).ok).toBe(true);
    manifest.connections.push({ from: 'n19999', to: 'n0' });
    expect(findCycles(manifest)).toHaveLength(1);
    expect(findCycles(manifest)[0]).toHaveLength(20_001);
  });

  it('at most 100 problems, then a count of the rest; the error message spells out 20', () => {
    const nodes = Array.from({ length: 150 }, (_, i) => ({ id: `n${i}`, nodeType: `Nope${i}` }));
    const problems = problemsOf({ version: 'v1', metadata: { name: 'x' }, nodes });
    expect(problems).toHaveLength(101);
    expect(problems[100]).toEqual({ message: 'and 50 more problems' });
    const error = invalidManifestError(problems);
    expect(error.rawMessage).toMatch(/^invalid manifest \(150 problems\):\n/);
    expect(error.rawMessage.split('\n')).toHaveLength(22);
    expect(error.rawMessage).toMatch(/\nand 130 more \(see details\)$/);
  });

  it('schema problems are counted, not listed, past the bound (10,000 unknown fields)', () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}`, nodeType: 'PassThrough', colour: 'red' }));
    const problems = problemsOf({ version: 'v1', metadata: { name: 'x' }, nodes });
    expect(problems).toHaveLength(101);
    expect(problems[100].message).toBe('and 9900 more problems');
  });

  it('a missing metadata does not hide unknown node types and bad connections', () => {
    const problems = problemsOf({
      version: 'v1',
      nodes: [
        { id: 'a', nodeType: 'Nope' },
        { id: 'b', nodeType: 'PassThrough' },
      ],
      connections: [
        { from: 'a', to: 'zz' },
        { from: 'b', to: 'a' },
        { from: 'a', to: 'b' },
      ],
    });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'metadata: is required',
      expect.stringMatching(/^nodes\[0\]\.nodeType: unknown node type "Nope"/),
      'connections[0].to: unknown node "zz"',
      'cycle: a -> b -> a',
    ]);
  });

  it('client-given names are quoted short, and the known-types list is bounded', () => {
    const big = new NodeRegistry(Array.from({ length: 300 }, (_, i) => ({ ...builtinNodes[0], type: `Type${String(i).padStart(3, '0')}` })));
    const r = validateManifest({ version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a', nodeType: 'Q'.repeat(100) }] }, big);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0].message).toContain('and 280 more)');
    expect(r.problems[0].message.length).toBeLessThan(600);
    const long = problemsOf({ version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a'.repeat(100_000), nodeType: 'x'.repeat(100_000) }] });
    expect(JSON.stringify(long).length).toBeLessThan(2000);
    expect(long.map((p) => p.path)).toEqual(['nodes[0].id', 'nodes[0].nodeType']);
  });

  it('values nested deeper than 32 levels are refused with their path', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = { d: deep };
    const problems = problemsOf({ version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a', nodeType: 'PassThrough', params: { deep } }] });
    expect(problems[0]).toEqual({ path: `nodes[0].params.deep${'.d'.repeat(28)}`, message: 'nested more than 32 levels deep' });
  });

  it('deeply nested YAML is refused before parsing (the parser recursion once killed the process)', () => {
    for (const text of [
      '['.repeat(5000) + ']'.repeat(5000),
      `${'- '.repeat(5000)}1`,
      `a:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}b:`).join('\n')}`,
    ]) {
      const problems = problemsOf(text);
      expect(problems).toEqual([{ path: 'manifest', message: 'nested more than 256 levels deep' }]);
    }
    // Real manifests are far from the bound; deep JSON is parsed (without recursion) and refused by validation.
    expect(yamlNestingBound(readFileSync(new URL('../../../examples/vad.yaml', import.meta.url), 'utf8'))).toBeLessThan(16);
    expect(problemsOf(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)[0].message).toBe('nested more than 32 levels deep');
  });

  it('servers refuse more than 256 nodes by default, before looking at each node', async () => {
    const runner = createServerRunner();
    expect(runner.limits.maxNodes).toBe(DEFAULT_SERVER_MAX_NODES);
    const error = await runner.execute(JSON.stringify(chain(DEFAULT_SERVER_MAX_NODES + 1)), []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).code).toBe(Code.ResourceExhausted);
    expect((error as RemoteMediaError).details).toEqual([{ path: 'nodes', message: 'has 257 nodes, over the limit maxNodes=256' }]);
    expect(createServerRunner({ limits: { maxNodes: 1000 } }).limits.maxNodes).toBe(1000);
    await runner.shutdown();
  });
});

describe('every RemoteMediaError is bounded', () => {
  it('cuts the message, each detail and the detail list, saying how much was cut', () => {
    const e = new RemoteMediaError(Code.Internal, 'x'.repeat(1_000_000), {
      details: Array.from({ length: 5000 }, (_, i) => ({ path: 'p'.repeat(10_000), message: `m${i}`.repeat(10_000) })),
      nodeId: 'n'.repeat(10_000),
    });
    expect(e.rawMessage.length).toBe(ERROR_LIMITS.maxMessageChars);
    expect(e.rawMessage).toMatch(/\.\.\. \(\d+ more characters\)$/);
    expect(e.details).toHaveLength(ERROR_LIMITS.maxDetails + 1);
    expect(e.details.at(-1)).toEqual({ message: 'and 4900 more problems' });
    expect(e.details[0].message.length).toBe(ERROR_LIMITS.maxDetailMessageChars);
    expect(e.details[0].path!.length).toBe(ERROR_LIMITS.maxDetailPathChars);
    expect(e.nodeId!.length).toBe(ERROR_LIMITS.maxDetailPathChars);
    expect(JSON.stringify(e.toJSON()).length).toBeLessThan(150_000);
  });

  it('never splits a surrogate pair when cutting', () => {
    const e = new RemoteMediaError(Code.Internal, '😀'.repeat(10_000));
    expect(() => encodeURIComponent(e.rawMessage)).not.toThrow();
  });
});

describe('unknown fields', () => {
  it('are quoted JSON-escaped, shortened and listed at most ten at a time', () => {
    const params = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i === 0 ? '\ud800' : `k${i}${'x'.repeat(i === 1 ? 500 : 0)}`, 1]));
    const problems = problemsOf({ version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a', nodeType: 'PassThrough', params }] });
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/^unknown fields "\\ud800", "k1x{59}\.\.\.", "k2", .* and 40 more$/);
    expect(() => encodeURIComponent(problems[0].message)).not.toThrow();
  });
});
