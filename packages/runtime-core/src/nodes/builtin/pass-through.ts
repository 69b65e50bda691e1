import * as z from 'zod/mini';
import { defineNode } from '../node-definition.js';

export const PassThroughNode = defineNode({
  type: 'PassThrough',
  description: 'Emits every input unchanged. Useful as a placeholder, a fan-out point, or for measuring overhead.',
  paramsSchema: z.strictObject({}),
  accepts: 'any',
  produces: 'any',
  create: () => ({ process: (input) => input }),
});
