import * as z from 'zod/mini';
import type { RuntimeData } from '../../data/runtime-data.js';
import { defineNode } from '../node-definition.js';

export const TextCollectorNode = defineNode({
  type: 'TextCollector',
  description: 'Joins streamed text tokens (e.g. from an LLM) into whole sentences, emitting each as soon as it ends.',
  paramsSchema: z.strictObject({
    /** Characters that end a sentence. */
    delimiters: z._default(z.string().check(z.minLength(1)), '.!?'),
    /** Sentences shorter than this are held back and joined with the next one. */
    minLength: z._default(z.number().check(z.int(), z.nonnegative()), 1),
    /** Emit the unfinished remainder at end of input. */
    flushRemainder: z._default(z.boolean(), true),
  }),
  accepts: ['text'],
  produces: ['text'],
  create: ({ delimiters, minLength, flushRemainder }) => {
    let buffer = '';
    let channel: string | undefined;
    const emit = (sentence: string): RuntimeData => (channel === undefined ? { kind: 'text', text: sentence } : { kind: 'text', text: sentence, channel });
    return {
      process(input) {
        if (input.kind !== 'text') return undefined;
        channel = input.channel;
        buffer += input.text;
        const out: RuntimeData[] = [];
        let start = 0;
        for (let i = 0; i < buffer.length; i++) {
          if (!delimiters.includes(buffer[i])) continue;
          // A delimiter ends a sentence only when whitespace follows it; at the end of the buffer wait
          // for the next token, so "3." + "14" stays one number.
          const next = buffer[i + 1];
          if (next === undefined) break;
          if (!/\s/.test(next)) continue;
          const sentence = buffer.slice(start, i + 1).trim();
          if (sentence.length >= minLength) {
            out.push(emit(sentence));
            start = i + 1;
          }
        }
        buffer = buffer.slice(start);
        return out;
      },
      flush() {
        const rest = buffer.trim();
        buffer = '';
        return flushRemainder && rest ? emit(rest) : undefined;
      },
    };
  },
});
