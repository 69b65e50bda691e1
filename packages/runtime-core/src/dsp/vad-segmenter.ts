import * as z from 'zod/mini';
import { Code, RemoteMediaError } from '../errors.js';
import { formatDetails, issuesToDetails } from '../manifest/format-issues.js';

/** Turns per-window speech probabilities into speech segments (hysteresis, minimum durations, padding). */
export const vadSegmenterSchema = z.object({
  /** Probability at or above which a window counts as speech. Default 0.5. */
  threshold: z._default(z.number().check(z.gt(0), z.lt(1)), 0.5),
  /** Probability below which a window counts as silence (hysteresis). Default threshold - 0.15. */
  negThreshold: z.optional(z.number().check(z.gt(0), z.lt(1))),
  /** Speech shorter than this is ignored (no speechStart). Default 250 ms. */
  minSpeechMs: z._default(z.number().check(z.nonnegative()), 250),
  /** Silence must last this long before speechEnd. Default 100 ms. */
  minSilenceMs: z._default(z.number().check(z.nonnegative()), 100),
  /** Reported segment bounds are widened by this much on each side. Default 30 ms. */
  speechPadMs: z._default(z.number().check(z.nonnegative()), 30),
});
export type VadSegmenterOptions = z.input<typeof vadSegmenterSchema>;

/** One JSON event per input chunk, emitted after the chunk's audio. */
export interface VadEvent {
  [key: string]: boolean | number | undefined;
  /** In a speech segment at the end of this chunk. */
  hasSpeech: boolean;
  /** Speech probability of the chunk's last window (0..1). */
  probability: number;
  /** A segment started in this chunk; its padded start is `startUs`. */
  speechStart: boolean;
  /** A segment ended in this chunk; its padded end is `endUs`. */
  speechEnd: boolean;
  /** Start time of the chunk. */
  timestampUs: number;
  startUs?: number;
  endUs?: number;
}

export interface VadTransition {
  startUs?: number;
  endUs?: number;
}

export class VadSegmenter {
  readonly threshold: number;
  readonly negThreshold: number;
  readonly #minSpeechUs: number;
  readonly #minSilenceUs: number;
  readonly #padUs: number;
  #streamStartUs = 0;
  #triggered = false;
  #candidateUs: number | undefined; // first speech window of a not-yet-confirmed segment
  #silenceUs: number | undefined; // first silent window inside a segment
  #lastStartUs = 0;

  /** Throws InvalidArgument listing every invalid option. */
  constructor(options: VadSegmenterOptions = {}) {
    const parsed = vadSegmenterSchema.safeParse(options);
    if (!parsed.success) {
      const details = issuesToDetails(parsed.error.issues, options);
      throw new RemoteMediaError(Code.InvalidArgument, `invalid VAD options: ${formatDetails(details)}`, { details });
    }
    const o = parsed.data;
    this.threshold = o.threshold;
    this.negThreshold = o.negThreshold ?? Math.max(0.01, o.threshold - 0.15);
    this.#minSpeechUs = o.minSpeechMs * 1000;
    this.#minSilenceUs = o.minSilenceMs * 1000;
    this.#padUs = o.speechPadMs * 1000;
  }

  get inSpeech(): boolean {
    return this.#triggered;
  }

  reset(streamStartUs = 0): void {
    this.#streamStartUs = streamStartUs;
    this.#triggered = false;
    this.#candidateUs = this.#silenceUs = undefined;
  }

  /** Feeds one window [startUs, endUs); returns a segment start and/or end decided by it. */
  update(probability: number, startUs: number, endUs: number): VadTransition {
    const out: VadTransition = {};
    const speech = probability >= this.threshold;
    const silence = probability < this.negThreshold;
    if (!this.#triggered) {
      if (speech) this.#candidateUs ??= startUs;
      else if (silence) this.#candidateUs = undefined;
      if (this.#candidateUs !== undefined && endUs - this.#candidateUs >= this.#minSpeechUs) {
        this.#triggered = true;
        this.#silenceUs = undefined;
        this.#lastStartUs = Math.max(this.#streamStartUs, this.#candidateUs - this.#padUs);
        out.startUs = this.#lastStartUs;
        this.#candidateUs = undefined;
      }
      return out;
    }
    if (speech) this.#silenceUs = undefined;
    else if (silence) {
      this.#silenceUs ??= startUs;
      if (endUs - this.#silenceUs >= this.#minSilenceUs) {
        out.endUs = Math.min(endUs, this.#silenceUs + this.#padUs);
        this.#triggered = false;
        this.#silenceUs = undefined;
      }
    }
    return out;
  }

  /** End of stream: closes an open segment at `endUs`. */
  finish(endUs: number): VadTransition {
    if (!this.#triggered) return {};
    this.#triggered = false;
    const end = this.#silenceUs === undefined ? endUs : Math.min(endUs, this.#silenceUs + this.#padUs);
    this.#silenceUs = undefined;
    return { endUs: end };
  }
}
