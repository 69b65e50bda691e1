// Loads onnxruntime-node lazily (an optional peer dependency) and shares ONE InferenceSession per
// model file across every SileroVAD instance in the process; recurrent state stays per instance.
import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Code, RemoteMediaError } from '../../errors.js';
import { MicroBatcher, type MicroBatcherOptions } from '../../util/micro-batcher.js';
import { readModelFile } from './model-files.js';

/** The slice of onnxruntime-node's API used here (kept local so our types do not need it installed). */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: string, data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(pathOrBytes: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
}

/** The Silero VAD v5 model committed with this package (MIT; see models/LICENSE-silero-vad). */
export const SILERO_VAD_MODEL_PATH = fileURLToPath(new URL('../../../models/silero_vad_v5.onnx', import.meta.url));

/**
 * Threads per inference: env REMOTEMEDIA_ONNX_THREADS, default 1. One thread suits a server running
 * many streams on one shared session (no oversubscription); 0 lets onnxruntime use every core,
 * which is ~15% faster for a single stream on an otherwise idle machine.
 */
export function onnxThreads(): number {
  const value = Number(process.env.REMOTEMEDIA_ONNX_THREADS ?? 1);
  return Number.isInteger(value) && value >= 0 ? value : 1;
}

/** Session options shared by the node and its benchmark baseline. */
export function sileroSessionOptions(threads: number = onnxThreads()): Record<string, unknown> {
  return threads === 0
    ? { graphOptimizationLevel: 'all' }
    : { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
}

/** The options for the default thread count (kept for callers of the constant). */
export const SILERO_SESSION_OPTIONS = sileroSessionOptions(1);

type Importer = () => Promise<unknown>;
const defaultImporter: Importer = () => import('onnxruntime-node');

let ortPromise: Promise<OrtModule> | undefined;
const sessions = new Map<string, Promise<OrtSession>>();

/** Imports onnxruntime-node, or fails with FailedPrecondition naming the package to install. */
export async function loadOnnxRuntime(importer: Importer = defaultImporter): Promise<OrtModule> {
  const load = async (): Promise<OrtModule> => {
    try {
      const mod = (await importer()) as OrtModule & { default?: OrtModule };
      return mod.InferenceSession ? mod : mod.default!;
    } catch (cause) {
      throw new RemoteMediaError(
        Code.FailedPrecondition,
        'SileroVAD needs the optional peer dependency onnxruntime-node, which could not be loaded: install it with `npm install onnxruntime-node` (or pnpm add / yarn add)',
        { cause, reason: 'MissingDependency' },
      );
    }
  };
  if (importer !== defaultImporter) return load();
  ortPromise ??= load().catch((e: unknown) => {
    ortPromise = undefined; // let a later install be picked up
    throw e;
  });
  return ortPromise;
}

/** Model files whose sessions stay cached; the least recently used beyond it is dropped (it lives on while nodes use it). */
const MAX_CACHED_SESSIONS = 8;

/**
 * The process-wide session for the model file at `modelPath` (created on first use). The path is
 * trusted (the node resolves manifest-given names first); it is canonicalised, so every spelling
 * of one file shares one session, and read asynchronously.
 */
export async function sharedSileroSession(
  modelPath: string = SILERO_VAD_MODEL_PATH,
  threads: number = onnxThreads(),
): Promise<{ ort: OrtModule; session: OrtSession }> {
  const ort = await loadOnnxRuntime();
  const loadFailed = (cause: unknown) =>
    new RemoteMediaError(Code.FailedPrecondition, `cannot load the Silero VAD model from ${modelPath}: ${(cause as Error)?.message ?? cause}`, {
      cause,
      reason: 'ModelLoadFailed',
    });
  const file = await realpath(modelPath).catch((cause: unknown) => {
    throw loadFailed(cause);
  });
  const key = `${file}#${threads}`;
  let session = sessions.get(key);
  if (session)
    sessions.delete(key); // re-inserted below: most recently used last
  else {
    session = readModelFile(file)
      .then(({ bytes }) => ort.InferenceSession.create(bytes, sileroSessionOptions(threads)))
      .catch((cause: unknown) => {
        if (sessions.get(key) === session) sessions.delete(key);
        throw loadFailed(cause);
      });
  }
  sessions.set(key, session);
  if (sessions.size > MAX_CACHED_SESSIONS) sessions.delete(sessions.keys().next().value!);
  return { ort, session: await session };
}

/** Sessions created so far (for tests: proves sharing). */
export function sileroSessionCount(): number {
  return sessions.size;
}

/**
 * Silero VAD v5 inference for one stream: 512-sample windows at 16 kHz (256 at 8 kHz), each with the
 * previous 64 (32) samples prepended as context, and the 2x1x128 recurrent state carried between windows.
 */
export class SileroVadModel {
  readonly windowFrames: number;
  readonly #contextFrames: number;
  readonly #session: OrtSession;
  readonly #input: Float32Array;
  readonly #state = new Float32Array(2 * 128);
  readonly #feeds: Record<string, OrtTensor>;

  constructor(ort: OrtModule, session: OrtSession, sampleRate: 16000 | 8000) {
    this.#session = session;
    this.windowFrames = sampleRate === 16000 ? 512 : 256;
    this.#contextFrames = sampleRate === 16000 ? 64 : 32;
    this.#input = new Float32Array(this.#contextFrames + this.windowFrames);
    // Tensors wrap these buffers, so each run reads the current contents without new allocations.
    this.#feeds = {
      input: new ort.Tensor('float32', this.#input, [1, this.#input.length]),
      state: new ort.Tensor('float32', this.#state, [2, 1, 128]),
      sr: new ort.Tensor('int64', BigInt64Array.of(BigInt(sampleRate)), []),
    };
  }

  /** Speech probability of one window of exactly `windowFrames` mono samples. */
  async score(window: Float32Array): Promise<number> {
    const input = this.#input;
    input.set(window, this.#contextFrames);
    const result = await this.#session.run(this.#feeds);
    this.#state.set(result.stateN.data as Float32Array);
    input.copyWithin(0, input.length - this.#contextFrames); // the window's tail is the next context
    return (result.output.data as Float32Array)[0];
  }

  reset(): void {
    this.#state.fill(0);
    this.#input.fill(0);
  }
}

/** One stream's window, context and recurrent state, scored in a batch with other streams. */
class SileroRow {
  /** Context then window, as the model reads it. */
  readonly input: Float32Array;
  /** 2x128 recurrent state (the stream's row of the batch's [2, B, 128]). */
  readonly state = new Float32Array(2 * 128);
  constructor(length: number) {
    this.input = new Float32Array(length);
  }
}

/**
 * Runs the rows of many streams as one [B, context + window] inference on a shared session (the
 * Silero v5 graph has a batch dimension with per-row state: state is [2, B, 128]). A row's state and
 * context are written back only when the run succeeds, so the batcher can re-run rows alone after a
 * failure.
 */
class SileroBatchInference {
  readonly batcher: MicroBatcher<SileroRow, number>;
  readonly #ort: OrtModule;
  readonly #session: OrtSession;
  readonly #rowLength: number;
  readonly #contextFrames: number;
  readonly #sr: OrtTensor;
  /** Feed buffers per batch size (tensors wrap them, so a run allocates only its outputs). */
  readonly #feeds = new Map<number, { input: Float32Array; state: Float32Array; feeds: Record<string, OrtTensor> }>();

  constructor(ort: OrtModule, session: OrtSession, sampleRate: 16000 | 8000, options: MicroBatcherOptions) {
    this.#ort = ort;
    this.#session = session;
    this.#contextFrames = sampleRate === 16000 ? 64 : 32;
    this.#rowLength = this.#contextFrames + (sampleRate === 16000 ? 512 : 256);
    this.#sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(sampleRate)), []);
    this.batcher = new MicroBatcher((rows) => this.#run(rows), options);
  }

  #buffers(b: number) {
    let f = this.#feeds.get(b);
    if (!f) {
      const input = new Float32Array(b * this.#rowLength);
      const state = new Float32Array(2 * b * 128);
      f = {
        input,
        state,
        feeds: {
          input: new this.#ort.Tensor('float32', input, [b, this.#rowLength]),
          state: new this.#ort.Tensor('float32', state, [2, b, 128]),
          sr: this.#sr,
        },
      };
      this.#feeds.set(b, f);
    }
    return f;
  }

  async #run(rows: readonly SileroRow[]): Promise<number[]> {
    const b = rows.length;
    const L = this.#rowLength;
    const { input, state, feeds } = this.#buffers(b);
    const layer = b * 128;
    for (let i = 0; i < b; i++) {
      const row = rows[i];
      input.set(row.input, i * L);
      state.set(row.state.subarray(0, 128), i * 128);
      state.set(row.state.subarray(128), layer + i * 128);
    }
    const result = await this.#session.run(feeds);
    const stateN = result.stateN.data as Float32Array;
    const output = result.output.data as Float32Array;
    const probs = new Array<number>(b);
    for (let i = 0; i < b; i++) {
      const row = rows[i];
      row.state.set(stateN.subarray(i * 128, i * 128 + 128), 0);
      row.state.set(stateN.subarray(layer + i * 128, layer + i * 128 + 128), 128);
      row.input.copyWithin(0, L - this.#contextFrames); // the window's tail is the next context
      probs[i] = output[i]!;
    }
    return probs;
  }
}

const batchInferences = new WeakMap<OrtSession, Map<string, SileroBatchInference>>();

/** The batcher shared by every stream of `session` at `sampleRate` with these options (one per process). */
function sharedBatchInference(ort: OrtModule, session: OrtSession, sampleRate: 16000 | 8000, options: MicroBatcherOptions): SileroBatchInference {
  let bySetting = batchInferences.get(session);
  if (!bySetting) batchInferences.set(session, (bySetting = new Map<string, SileroBatchInference>()));
  const key = `${sampleRate}/${options.maxWaitMs}/${options.maxBatch}`;
  let inference = bySetting.get(key);
  if (!inference) bySetting.set(key, (inference = new SileroBatchInference(ort, session, sampleRate, options)));
  return inference;
}

/** Batching stats of every Silero batcher on `session` (for benchmarks and metrics). */
export function sileroBatchStats(session: OrtSession): { key: string; stats: MicroBatcher<unknown, unknown>['stats'] }[] {
  return [...(batchInferences.get(session)?.entries() ?? [])].map(([key, r]) => ({ key, stats: r.batcher.stats }));
}

/**
 * Silero VAD v5 for one stream whose windows are scored together with other streams' windows in one
 * onnxruntime call (cross-session batching). Same contract and results (within float rounding) as
 * `SileroVadModel`; a window waits at most `options.maxWaitMs` for others. Call `score` once at a
 * time per stream, and `close` when the stream ends.
 */
export class BatchedSileroVadModel {
  readonly windowFrames: number;
  readonly #contextFrames: number;
  readonly #row: SileroRow;
  readonly #batcher: MicroBatcher<SileroRow, number>;
  readonly #leave: () => void;

  constructor(ort: OrtModule, session: OrtSession, sampleRate: 16000 | 8000, options: MicroBatcherOptions) {
    this.windowFrames = sampleRate === 16000 ? 512 : 256;
    this.#contextFrames = sampleRate === 16000 ? 64 : 32;
    this.#row = new SileroRow(this.#contextFrames + this.windowFrames);
    this.#batcher = sharedBatchInference(ort, session, sampleRate, options).batcher;
    this.#leave = this.#batcher.join();
  }

  /** The stream is done: batches stop waiting for it. */
  close(): void {
    this.#leave();
  }

  /** Speech probability of one window of exactly `windowFrames` mono samples. */
  score(window: Float32Array): Promise<number> {
    this.#row.input.set(window, this.#contextFrames);
    return this.#batcher.submit(this.#row);
  }

  reset(): void {
    this.#row.state.fill(0);
    this.#row.input.fill(0);
  }
}
