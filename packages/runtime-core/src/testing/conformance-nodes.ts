import * as z from 'zod/mini';
import type { RuntimeData } from '../data/runtime-data.js';
import { defineNode } from '../nodes/node-definition.js';

/** Delays every input by `ms` (honouring cancellation), then passes it on. */
export const SleepNode = defineNode({
  type: 'Sleep',
  description: 'Test node: waits `ms` per input, then passes it on. Cancellable.',
  paramsSchema: z.strictObject({ ms: z.number().check(z.int(), z.nonnegative()) }),
  accepts: 'any',
  produces: 'any',
  create: ({ ms }) => ({
    process: (input, ctx) =>
      new Promise<RuntimeData>((resolve, reject) => {
        const timer = setTimeout(() => resolve(input), ms);
        ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
      }),
  }),
});

/** Throws a plain Error when a text input equals `match`; passes everything else on. */
export const FailOnNode = defineNode({
  type: 'FailOn',
  description: 'Test node: fails on a matching text input.',
  paramsSchema: z.strictObject({ match: z.string() }),
  accepts: 'any',
  produces: 'any',
  create: ({ match }) => ({
    process(input) {
      if (input.kind === 'text' && input.text === match) throw new Error(`boom on "${match}"`);
      return input;
    },
  }),
});

/** Emits each input `times` times, asynchronously: exercises multi-output nodes. */
export const RepeatNode = defineNode({
  type: 'Repeat',
  description: 'Test node: emits every input `times` times.',
  paramsSchema: z.strictObject({ times: z.number().check(z.int(), z.positive()) }),
  accepts: 'any',
  produces: 'any',
  create: ({ times }) => ({
    async *process(input) {
      for (let i = 0; i < times; i++) yield input;
    },
  }),
});

export const conformanceNodes = [SleepNode, FailOnNode, RepeatNode];
