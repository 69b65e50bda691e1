import * as z from 'zod/mini';
import type { RuntimeData } from '../../data/runtime-data.js';
import { defineNode } from '../node-definition.js';

export const BargeInNode = defineNode({
  type: 'BargeIn',
  description:
    'Turns VAD speech starts into interrupt control messages for the nodes named in `targets` (e.g. TextToSpeech): the user speaking over a reply cuts it within one VAD decision. Audio inputs are ignored.',
  paramsSchema: z.strictObject({
    /** Node ids the interrupt is addressed to. */
    targets: z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.minLength(1), z.maxLength(32)),
    /** Reason carried by the control message. */
    reason: z._default(z.string().check(z.maxLength(200)), 'barge-in'),
    /** Also pass on the VAD events that start or end speech (JSON), e.g. for a timeline. */
    forwardEvents: z._default(z.boolean(), false),
  }),
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
