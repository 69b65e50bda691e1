import { Code, PipelineRunner, RemoteMediaError } from '@remotemedia/runtime-core';
import { callSignal } from '@remotemedia/runtime-core/kit';
import { describe, expect, it } from 'vitest';

const echo = { version: 'v1', metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;

describe("callSignal: a deadline that is no positive integer of ms up to 2^31-1 is the caller's mistake (issue 23, item 7)", () => {
  it.each([1e300, 1e20, 0.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])('timeoutMs %s is InvalidArgument naming timeoutMs', (timeoutMs) => {
    let caught: unknown;
    try {
      callSignal({ timeoutMs });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RemoteMediaError);
    expect(caught).toMatchObject({ code: Code.InvalidArgument, reason: 'InvalidTimeout', details: [{ path: 'timeoutMs' }] });
  });

  it('the largest deadline is accepted, and the runner reports a bad one as InvalidArgument rather than a RangeError', async () => {
    expect(callSignal({ timeoutMs: 2 ** 31 - 1 })!.aborted).toBe(false);
    const runner = new PipelineRunner();
    await expect(runner.execute(echo, [], { timeoutMs: 1e300 })).rejects.toMatchObject({ code: Code.InvalidArgument, details: [{ path: 'timeoutMs' }] });
    await expect(runner.stream(echo, { timeoutMs: 0.5 })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});
