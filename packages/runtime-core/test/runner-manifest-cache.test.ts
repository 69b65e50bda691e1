import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Code, PipelineRunner, RemoteMediaError, defineNode, text } from '../src/index.js';

const manifest = (nodeType = 'PassThrough', params?: Record<string, unknown>) => ({
  version: 'v1' as const,
  metadata: { name: 'cache' },
  nodes: [{ id: 'n', nodeType, ...(params ? { params } : {}) }],
});

describe('PipelineRunner.resolve cache', () => {
  it('returns the same deep-frozen manifest for the same text or object content', () => {
    const runner = new PipelineRunner();
    const a = runner.resolve(manifest('AudioChunker', { ms: 20 }));
    const b = runner.resolve(JSON.parse(JSON.stringify(manifest('AudioChunker', { ms: 20 }))));
    expect(b).toBe(a);
    expect(Object.isFrozen(a.nodes[0].params)).toBe(true);
    expect((a.nodes[0].params as { remainder?: string }).remainder).toBe('pad'); // defaults applied once, kept
    const c = runner.resolve(JSON.stringify(manifest('AudioChunker', { ms: 20 })));
    expect(c).toEqual(a);
    expect(runner.resolve(JSON.stringify(manifest('AudioChunker', { ms: 20 })))).toBe(c);
  });

  it('never caches a failure, and forgets everything when the registry changes', async () => {
    const runner = new PipelineRunner();
    const m = manifest('Shout');
    const first = (() => {
      try {
        runner.resolve(m);
      } catch (e) {
        return e as RemoteMediaError;
      }
    })();
    expect(first?.code).toBe(Code.InvalidArgument);
    expect(first?.details.map((d) => d.path)).toContain('nodes[0].nodeType');
    const passThrough = runner.resolve(manifest());
    runner.registry.register(
      defineNode({
        type: 'Shout',
        description: 'Upper-cases text.',
        paramsSchema: z.object({}),
        accepts: ['text'],
        produces: ['text'],
        create: () => ({ process: (d) => (d.kind === 'text' ? text(d.text.toUpperCase()) : undefined) }),
      }),
    );
    expect(runner.resolve(manifest())).not.toBe(passThrough); // re-validated against the new registry
    const outputs = await runner.execute(m, [text('hi')]);
    expect(outputs.map((o) => (o.data as { text: string }).text)).toEqual(['HI']);
  });

  it('validates manifests that are not plain JSON every time instead of keying them by a lossy text', () => {
    const runner = new PipelineRunner();
    const withFunction = { ...manifest(), metadata: { name: 'cache', hook: () => 1 } };
    expect(() => runner.resolve(withFunction)).not.toThrow();
    expect(runner.resolve(withFunction)).not.toBe(runner.resolve(withFunction));
  });
});
