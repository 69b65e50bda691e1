import { z } from 'zod';
import type { RuntimeData } from '../../data/runtime-data.js';
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
      /** Also pass on the VAD events that start or end speech (JSON), e.g. for a timeline. */
      forwardEvents: z.boolean().default(false),
    })
    .strict(),
  accepts: ['json', 'audio'],
  produces: ['control', 'json'],
  create: ({ targets, reason, forwardEvents }) => ({
    process(input) {
      if (input.kind !== 'json' || typeof input.value !== 'object' || input.value === null || Array.isArray(input.value)) return undefined;
      const event = input.value as Record<string, unknown>;
      const start = event.speechStart === true;
      const interrupt: RuntimeData = { kind: 'control', control: { type: 'interrupt', targetNodeIds: [...targets], reason } };
      if (!forwardEvents) return start ? interrupt : undefined;
      if (start) return [interrupt, input];
      return event.speechEnd === true ? input : undefined;
    },
  }),
});
