import type { AudioData, RuntimeData } from '../data/runtime-data.js';
import { mixDown, StreamClock } from './audio-ops.js';
import { SampleQueue } from './sample-queue.js';
import { type VadEvent, VadSegmenter, type VadSegmenterOptions } from './vad-segmenter.js';

export interface VadStreamOptions extends VadSegmenterOptions {
  /** Mono frames per scored window. */
  windowFrames: number;
  /** Scores one mono window (a view; copy it to keep it). */
  score(window: Float32Array): number | Promise<number>;
  /** Emit an event only for chunks with a speechStart or speechEnd. Default false: one event per chunk. */
  eventsOnChangeOnly?: boolean;
}

/**
 * Shared driver of the VAD nodes: windows the (mixed-down) audio whatever the chunk size, scores each
 * window, runs the segmenter, and returns the audio followed by its event.
 */
export class VadStream {
  readonly #options: VadStreamOptions;
  readonly #segmenter: VadSegmenter;
  readonly #pending = new SampleQueue();
  readonly #clock = new StreamClock();
  #scoredFrames = 0;
  #probability = 0;

  constructor(options: VadStreamOptions) {
    this.#options = options;
    this.#segmenter = new VadSegmenter(options);
  }

  /**
   * The audio followed by its event. Synchronous when the chunk completes no window or `score` is
   * synchronous: a real-time session's 20 ms chunk completes a 32 ms window only every other time,
   * and a promise per chunk is a measurable share of a VAD session's CPU.
   */
  process(audio: AudioData): RuntimeData[] | Promise<RuntimeData[]> {
    const first = !this.#clock.started;
    const chunkUs = this.#clock.advance(audio);
    if (first) this.#segmenter.reset(this.#clock.startUs);
    this.#pending.push(mixDown(audio.samples, audio.channels));
    const event: VadEvent = { hasSpeech: false, probability: this.#probability, speechStart: false, speechEnd: false, timestampUs: chunkUs };
    return this.#scoreWindows(audio, event);
  }

  #scoreWindows(audio: AudioData, event: VadEvent): RuntimeData[] | Promise<RuntimeData[]> {
    const n = this.#options.windowFrames;
    while (this.#pending.length >= n) {
      const p = this.#options.score(this.#pending.peek(n));
      if (typeof p !== 'number') return p.then((value) => (this.#scored(value, event), this.#scoreWindows(audio, event)));
      this.#scored(p, event);
    }
    event.probability = this.#probability;
    event.hasSpeech = this.#segmenter.inSpeech;
    return this.#emit(audio, event);
  }

  #scored(p: number, event: VadEvent): void {
    const n = this.#options.windowFrames;
    this.#pending.drop(n);
    this.#probability = p;
    this.#apply(this.#segmenter.update(p, this.#clock.timeOf(this.#scoredFrames), this.#clock.timeOf(this.#scoredFrames + n)), event);
    this.#scoredFrames += n;
  }

  /** End of stream: closes an open segment. */
  flush(): RuntimeData[] {
    if (!this.#clock.started) return [];
    const endUs = this.#clock.timeOf(this.#clock.frames);
    const t = this.#segmenter.finish(endUs);
    this.#pending.clear();
    if (t.endUs === undefined) return [];
    const event: VadEvent = { hasSpeech: false, probability: this.#probability, speechStart: false, speechEnd: true, timestampUs: endUs, endUs: t.endUs };
    return [{ kind: 'json', value: event as Record<string, number | boolean> }];
  }

  #apply(t: { startUs?: number; endUs?: number }, event: VadEvent): void {
    // A chunk can hold both an end and a new start (long chunks); the start wins for hasSpeech.
    if (t.endUs !== undefined) {
      event.speechEnd = true;
      event.endUs = t.endUs;
    }
    if (t.startUs !== undefined) {
      event.speechStart = true;
      event.startUs = t.startUs;
    }
  }

  #emit(audio: AudioData, event: VadEvent): RuntimeData[] {
    if (this.#options.eventsOnChangeOnly && !event.speechStart && !event.speechEnd) return [audio];
    const { startUs, endUs, ...value } = event;
    if (startUs !== undefined) value.startUs = startUs;
    if (endUs !== undefined) value.endUs = endUs;
    return [audio, { kind: 'json', value: value as Record<string, number | boolean> }];
  }
}
