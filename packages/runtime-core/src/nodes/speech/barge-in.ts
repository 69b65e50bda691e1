import { z } from 'zod';
import { defineNode } from '../node-definition.js';

export const BargeInNode = defineNode({
  type: 'BargeIn',
  description:
    'Turns VAD speech starts into interrupt control messages for the nodes named in `targets` (e.g. TextToSpeech): the user speaking over a reply cuts it within one VAD decision. Audio inputs are ignored.',
  paramsSchema: z
    .object({
      /** Node ids the interrupt is addressed to. */
      targets: z.array(z.string().min(1).max(128)).min(1).max(32),
      /** Reason carried by the control message. */
      reason: z.string().max(200).default('barge-in'),
    })
    .strict(),
  accepts: ['json', 'audio'],
  produces: ['control'],
  create: ({ targets, reason }) => ({
    process(input) {
      if (input.kind !== 'json' || typeof input.value !== 'object' || input.value === null || Array.isArray(input.value)) return undefined;
      if ((input.value as Record<string, unknown>).speechStart !== true) return undefined;
      return { kind: 'control', control: { type: 'interrupt', targetNodeIds: [...targets], reason } };
    },
  }),
});
