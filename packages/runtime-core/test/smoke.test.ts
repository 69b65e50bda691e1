import { describe, expect, it } from 'vitest';
import { createPipelineRunner } from '@remotemedia/runtime-core';

describe('smoke', () => {
  it('calculator', async () => {
    const runner = createPipelineRunner();
    const out = await runner.execute(
      { version: 'v1', metadata: { name: 't' }, nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } }] },
      [1, 2, 3].map((value) => ({ kind: 'json', value }) as const),
    );
    expect(out.map((o) => (o.data as { value: number }).value)).toEqual([6, 7, 8]);
  });
});
