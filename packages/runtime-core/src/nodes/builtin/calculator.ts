import * as z from 'zod/mini';
import { Code, RemoteMediaError } from '../../errors.js';
import type { RuntimeData } from '../../data/runtime-data.js';
import { defineNode } from '../node-definition.js';

const operations = {
  add: (a: number, b: number) => a + b,
  subtract: (a: number, b: number) => a - b,
  multiply: (a: number, b: number) => a * b,
  divide: (a: number, b: number) => a / b,
} as const;

export const CalculatorNode = defineNode({
  type: 'Calculator',
  description: 'Applies an arithmetic operation with a fixed operand to numbers (JSON numbers, arrays of numbers, or numeric text).',
  paramsSchema: z.strictObject({
    operation: z.enum(['add', 'subtract', 'multiply', 'divide'], { error: 'expected one of add, subtract, multiply, divide' }),
    /** Finite: z.number() refuses Infinity and NaN. */
    operand: z.number({ error: 'expected a number' }),
  }),
  accepts: ['json', 'text'],
  produces: ['json'],
  create: ({ operation, operand }, ctx) => {
    if (operation === 'divide' && operand === 0) {
      throw new RemoteMediaError(Code.InvalidArgument, 'operand must not be 0 for divide', { nodeId: ctx.nodeId });
    }
    const op = operations[operation];
    const apply = (value: unknown): number => {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        throw new RemoteMediaError(Code.InvalidArgument, `Calculator expects a number, got ${JSON.stringify(value)}`, { nodeId: ctx.nodeId });
      }
      return op(n, operand);
    };
    return {
      process(input: RuntimeData): RuntimeData {
        const value = input.kind === 'text' ? input.text : input.kind === 'json' ? input.value : undefined;
        return { kind: 'json', value: Array.isArray(value) ? value.map(apply) : apply(value) };
      },
    };
  },
});
