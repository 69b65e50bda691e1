// The operator's own TypeScript node: every exported node definition of a module given with
// `--nodes` (or `nodes:` in the config file) is registered on the server.
import { defineNode } from '@remotemedia/runtime-core';
import { z } from 'zod';

export const Shout = defineNode({
  type: 'Shout',
  description: 'Upper-cases text and appends `suffix` (default "!").',
  paramsSchema: z.object({ suffix: z.string().max(16).default('!') }).strict(),
  accepts: ['text'],
  produces: ['text'],
  create: (params) => ({
    process: (input) => (input.kind === 'text' ? { kind: 'text', text: `${input.text.toUpperCase()}${params.suffix}` } : undefined),
  }),
});
