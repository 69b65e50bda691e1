import * as z from 'zod/mini';
import type { RuntimeData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import { defineNode } from '../node-definition.js';

const ruleSchema = z.strictObject({
  /** Case-insensitive regular expression tested against the transcript. */
  match: z.string().check(z.minLength(1), z.maxLength(500)),
  /** The reply; `{text}` is replaced by the transcript, `$1`.. by the match's groups. */
  reply: z.string().check(z.maxLength(2000)),
});

export const DEFAULT_RESPONDER_RULES: readonly z.input<typeof ruleSchema>[] = [
  { match: '\\b(hello|hi|hey)\\b', reply: 'Hello! How can I help you?' },
  { match: '\\bwhat time\\b', reply: 'I cannot read a clock yet, but I can hear you well.' },
  { match: '\\bweather\\b', reply: 'I have no window, so I cannot tell you about the weather.' },
  { match: '\\bjoke\\b', reply: 'Why did the pipeline cross the road? To reach the other node.' },
  { match: '\\b(bye|goodbye|stop)\\b', reply: 'Goodbye!' },
];

/** The transcript carried by an input: ASR events `{text, final}`, text, or `{text}` JSON. */
export function transcriptOf(input: RuntimeData): { text: string; final: boolean } | undefined {
  if (input.kind === 'text') return { text: input.text, final: true };
  if (input.kind !== 'json' || typeof input.value !== 'object' || input.value === null || Array.isArray(input.value)) return undefined;
  const value = input.value as Record<string, unknown>;
  if (typeof value.text !== 'string') return undefined;
  return { text: value.text, final: value.final !== false };
}

export const ResponderNode = defineNode({
  type: 'Responder',
  description:
    'Answers final transcripts ({text, final} JSON from SpeechRecognition, or text) with a fixed rule: the first rule whose regex matches gives the reply, else `fallback`. A stand-in for an LLM in demos and tests; replies are text on channel `reply`.',
  paramsSchema: z.strictObject({
    rules: z._default(z.array(ruleSchema).check(z.maxLength(200)), [...DEFAULT_RESPONDER_RULES]),
    /** Reply when no rule matches; `{text}` is the transcript. Empty: no reply. */
    fallback: z._default(z.string().check(z.maxLength(2000)), 'You said: {text}.'),
    /** Text channel of the replies. */
    channel: z._default(z.string().check(z.maxLength(64)), 'reply'),
  }),
  accepts: ['json', 'text'],
  produces: ['text'],
  create: ({ rules, fallback, channel }, ctx) => {
    const compiled = rules.map((r, i) => {
      try {
        return { re: new RegExp(r.match, 'iu'), reply: r.reply };
      } catch (error) {
        throw new RemoteMediaError(Code.InvalidArgument, `Responder rules[${i}].match is not a valid regular expression: ${(error as Error).message}`, {
          nodeId: ctx.nodeId,
        });
      }
    });
    return {
      process(input) {
        const heard = transcriptOf(input);
        if (!heard || !heard.final) return undefined;
        const text = heard.text.trim();
        if (!text) return undefined;
        let reply = fallback.replaceAll('{text}', text);
        for (const { re, reply: template } of compiled) {
          const m = re.exec(text);
          if (!m) continue;
          reply = template.replaceAll('{text}', text).replace(/\$(\d)/g, (_, g: string) => m[Number(g)] ?? '');
          break;
        }
        return reply.trim() ? { kind: 'text', text: reply, channel } : undefined;
      },
    };
  },
});
