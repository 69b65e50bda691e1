import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { RuntimeData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError, parseCode } from '../../errors.js';
import type { NodeLogger } from '../../nodes/node-definition.js';
import { FLAG_END, FRAME_TYPES as F, type Frame, FrameDecoder, dataFrame, decodeDataFrame, frameJson, frameLength, jsonFrame } from './frame-codec.js';
import { LineTail, pythonPathEnv, trackChild } from './child-processes.js';
import type { ResolvedPythonSettings } from './python-settings.js';

/** Outputs buffered per request before the host stops reading the pipe (the Python side then blocks). */
const OUTPUT_HIGH_WATER = 32;
/** The same in bytes (frames up to maxFrameBytes each: 32 of them could be 2 GiB); at least one output is always taken. */
const OUTPUT_HIGH_WATER_BYTES = 16 * 1024 * 1024;
/**
 * When its session is cancelled or fails while the process still works on an input, how long the
 * process has to stop that input (CANCEL) before it is killed without cleanup.
 */
export const CANCEL_GRACE_MS = 250;
/** Characters of a Python error message (and of its traceback, and of a progress message) kept. */
const MAX_MESSAGE_CHARS = 4000;
const MAX_TRACEBACK_CHARS = 8000;
// What a Python process says on stderr when an allocation fails (CPython, C++, C libraries).
const OUT_OF_MEMORY = /MemoryError|std::bad_alloc|Cannot allocate memory|[Oo]ut of memory/;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** What `process` resolves to: one output, none, or a stream of them. */
export type RequestResult = RuntimeData | AsyncIterable<RuntimeData> | undefined;

interface RequestState {
  id: number;
  items: RuntimeData[];
  /** Frame size of each buffered item, and their sum. */
  sizes: number[];
  bytes: number;
  done: boolean;
  error: unknown;
  wake: (() => void) | undefined;
  /** Settles `request()`'s promise at the first answer; undefined once settled. */
  first: { resolve: (r: RequestResult) => void; reject: (e: unknown) => void } | undefined;
  signal: AbortSignal;
}

export interface PythonProcessOptions {
  nodeId: string;
  nodeType: string;
  settings: ResolvedPythonSettings;
  /** Lines of stderr kept for error messages. */
  stderrTailLines: number;
  /** Largest frame either side may send (bytes after the length field). */
  maxFrameBytes: number;
  /** Memory limit of the process in MiB (0: none), applied by the worker before it imports node modules. */
  maxMemoryMb: number;
  logger: NodeLogger;
  onProgress?(fraction: number, message?: string): void;
  /** The process ended without being asked to (crash, kill, exit). */
  onUnexpectedExit?(error: RemoteMediaError): void;
  /** Import `settings.modules` at start, before INIT (for warm processes started ahead of use). */
  preload?: boolean;
  /**
   * Starts the worker some other way than `spawn(settings.pythonExecutable)` (the container
   * executor runs it with `<engine> exec`). Gets the worker's environment (pipeline env and server
   * limits, not the host's); must return a child whose stdio is like
   * `['ignore', 'pipe', 'pipe', 'pipe', 'pipe']`: fd 3 frames in, fd 4 frames out.
   */
  launch?(env: Record<string, string>): ChildProcess;
}

/** What a warm process learns when a node instance takes it. */
export type PythonProcessBinding = Pick<PythonProcessOptions, 'nodeId' | 'nodeType' | 'logger' | 'onProgress' | 'onUnexpectedExit'>;

interface ErrorBody {
  message?: string;
  code?: string;
  type?: string;
  traceback?: string;
}

/** One `python3 -m remotemedia.worker` process running one node instance; speaks the frame protocol on fds 3 and 4. */
export class PythonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  #options: PythonProcessOptions;
  readonly #input: Writable;
  readonly #output: Readable;
  readonly #decoder: FrameDecoder;
  readonly #requests = new Map<number, RequestState>();
  readonly #stderr: LineTail;
  #nextId = 1;
  #init: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  #exitError: RemoteMediaError | undefined;
  #closing = false;
  #paused = false;
  #watched: AbortSignal | undefined;
  /** PROCESS/FLUSH requests Python has not answered yet (DONE, ERROR or an END output), cancelled ones included. */
  #busy = 0;

  constructor(options: PythonProcessOptions) {
    this.#options = options;
    const { settings } = options;
    this.#stderr = new LineTail(options.stderrTailLines);
    this.#decoder = new FrameDecoder(options.maxFrameBytes);
    const workerEnv = {
      ...settings.env,
      PYTHONUNBUFFERED: '1',
      // Server limits: after the pipeline's env, which must not override them.
      REMOTEMEDIA_MAX_FRAME_BYTES: String(options.maxFrameBytes),
      REMOTEMEDIA_MAX_MEMORY_MB: String(options.maxMemoryMb),
      ...(options.preload ? { REMOTEMEDIA_PRELOAD_MODULES: JSON.stringify(settings.modules) } : {}),
    };
    this.child = options.launch
      ? options.launch(workerEnv)
      : spawn(settings.pythonExecutable, ['-m', 'remotemedia.worker'], {
          stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
          env: { ...process.env, ...workerEnv, PYTHONPATH: pythonPathEnv(settings.pythonPath, settings.env.PYTHONPATH ?? process.env.PYTHONPATH) },
        });
    trackChild(this.child);
    this.#input = this.child.stdio[3] as Writable;
    this.#output = this.child.stdio[4] as Readable;
    this.#input.on('error', () => {}); // EPIPE after a crash: reported through the exit
    this.#output.on('data', (chunk: Buffer) => this.#onData(chunk));
    const stdout = new LineTail(0); // whole lines only, none kept
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      for (const line of stdout.push(text)) if (line) this.#options.logger.info(line, { nodeId: this.#options.nodeId, stream: 'stdout' });
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => this.#onStderr(text));
    this.exited = new Promise<void>((resolve) => {
      this.child.once('error', (error) => {
        this.#onExit(
          new RemoteMediaError(
            Code.FailedPrecondition,
            `cannot start Python interpreter "${settings.pythonExecutable}" for node "${this.#options.nodeId}": ${error.message}`,
            { nodeId: this.#options.nodeId, cause: error, reason: 'PythonSpawnFailed' },
          ),
        );
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        // Give stderr a moment to drain so the error carries the process's last words.
        const stderr = this.child.stderr!;
        const finish = () => {
          this.#onExit(this.#exitedError(code, signal));
          resolve();
        };
        if (stderr.readableEnded) finish();
        else {
          const timer = setTimeout(finish, 150);
          stderr.once('end', () => (clearTimeout(timer), finish()));
        }
      });
    });
  }

  /** Hands a warm process to a node instance. */
  bind(binding: PythonProcessBinding): void {
    this.#options = { ...this.#options, ...binding };
  }

  /** Whether the process has exited (or never started). */
  get dead(): boolean {
    return this.#exitError !== undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Last lines the process wrote to stderr. */
  stderrTail(): string[] {
    return this.#stderr.lines();
  }

  #describeTail(): string {
    const tail = this.stderrTail();
    return tail.length ? `; last stderr lines:\n${tail.join('\n')}` : '; it wrote nothing to stderr';
  }

  #exitedError(code: number | null, signal: NodeJS.Signals | null): RemoteMediaError {
    const { nodeId, nodeType, maxMemoryMb } = this.#options;
    const how = signal ? `was killed by signal ${signal}` : `exited with code ${code}`;
    const details = [{ path: 'stderr', message: this.stderrTail().join('\n') }];
    if (maxMemoryMb > 0 && this.stderrTail().some((line) => OUT_OF_MEMORY.test(line))) {
      return new RemoteMediaError(
        Code.ResourceExhausted,
        `Python process ${this.child.pid} of node "${nodeId}" (${nodeType}) ran out of memory (limit maxMemoryMb=${maxMemoryMb}) and ${how}${this.#describeTail()}`,
        {
          nodeId,
          reason: 'PythonMemoryLimit',
          details,
        },
      );
    }
    return new RemoteMediaError(Code.Unavailable, `Python process ${this.child.pid} of node "${nodeId}" (${nodeType}) ${how}${this.#describeTail()}`, {
      nodeId,
      reason: 'PythonProcessExited',
      details,
    });
  }

  #onStderr(text: string): void {
    for (const line of this.#stderr.push(text)) this.#options.logger.warn(line, { nodeId: this.#options.nodeId, stream: 'stderr' });
  }

  #onExit(error: RemoteMediaError): void {
    if (this.#exitError) return;
    this.#exitError = error;
    this.#init?.reject(error);
    for (const state of this.#requests.values()) this.#failRequest(state, error);
    if (!this.#closing) this.#options.onUnexpectedExit?.(error);
  }

  #onData(chunk: Buffer): void {
    if (this.#exitError) return; // it broke the protocol: nothing it sends counts any more
    try {
      for (const frame of this.#decoder.push(chunk)) this.#onFrame(frame);
    } catch (error) {
      this.#brokeProtocol(error);
    }
  }

  /**
   * The process wrote something that is not a valid frame (a node writing to fd 4 itself, say):
   * it is killed and its requests and session fail at once, naming the node and the problem,
   * instead of the host waiting for a frame that never comes (or for gigabytes).
   */
  #brokeProtocol(cause: unknown): void {
    const { nodeId, nodeType } = this.#options;
    const what = (cause instanceof RemoteMediaError ? cause.rawMessage : cause instanceof Error ? cause.message : String(cause)).replace(
      /^IPC protocol error: /,
      '',
    );
    const error = new RemoteMediaError(
      Code.DataLoss,
      `Python node "${nodeId}" (${nodeType}) broke the IPC protocol: ${clip(what, MAX_MESSAGE_CHARS)}; its process ${this.child.pid} was killed (a node must not write to fd 4 itself)`,
      {
        nodeId,
        reason: 'IpcProtocol',
        cause,
      },
    );
    this.#options.logger.error(error.message, { nodeId });
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    this.#onExit(error);
  }

  #errorFrom(body: ErrorBody, reason: string, prefix = ''): RemoteMediaError {
    const { nodeId, nodeType, maxMemoryMb } = this.#options;
    const text = clip(typeof body.message === 'string' ? body.message : 'unknown error', MAX_MESSAGE_CHARS);
    const details = typeof body.traceback === 'string' && body.traceback ? [{ path: 'traceback', message: clip(body.traceback, MAX_TRACEBACK_CHARS) }] : [];
    if (body.type === 'MemoryError' && maxMemoryMb > 0) {
      return new RemoteMediaError(
        Code.ResourceExhausted,
        `Python node "${nodeId}" (${nodeType}) ran out of memory: over its limit maxMemoryMb=${maxMemoryMb} (MemoryError${text && text !== 'MemoryError' ? `: ${text}` : ''})`,
        {
          nodeId,
          reason: 'PythonMemoryLimit',
          details,
        },
      );
    }
    const type = typeof body.type === 'string' && body.type !== 'RemoteMediaError' ? `${clip(body.type, 200)}: ` : '';
    return new RemoteMediaError(parseCode(typeof body.code === 'string' ? body.code : 'internal'), `${prefix}${type}${text}`, { nodeId, reason, details });
  }

  #onFrame(frame: Frame): void {
    switch (frame.type) {
      case F.OUTPUT: {
        const end = (frame.flags & FLAG_END) !== 0;
        if (end && this.#busy > 0) this.#busy--;
        const state = this.#requests.get(frame.requestId);
        if (!state) return; // a cancelled request's late output
        const data = decodeDataFrame(frame).data;
        const first = state.first;
        if (first && end) {
          // The common case, one output per input: settle with it, no stream needed. `done` first,
          // or #finish would send Python a needless CANCEL (a second write and wakeup per frame).
          state.done = true;
          this.#finish(state);
          first.resolve(data);
          return;
        }
        state.items.push(data);
        state.sizes.push(frame.bytes.length);
        state.bytes += frame.bytes.length;
        if (end) state.done = true;
        if (first) {
          state.first = undefined;
          first.resolve(this.#stream(state));
        }
        if ((state.items.length >= OUTPUT_HIGH_WATER || state.bytes >= OUTPUT_HIGH_WATER_BYTES) && !this.#paused) {
          this.#paused = true;
          this.#output.pause();
        }
        state.wake?.();
        return;
      }
      case F.DONE: {
        if (this.#busy > 0) this.#busy--;
        const state = this.#requests.get(frame.requestId);
        if (!state) return;
        state.done = true;
        if (state.first) {
          const first = state.first;
          this.#finish(state);
          first.resolve(undefined);
        } else state.wake?.();
        return;
      }
      case F.ERROR: {
        const body = (frameJson(frame) ?? {}) as ErrorBody;
        if (frame.requestId === 0) {
          this.#init?.reject(this.#errorFrom(body, body.code === 'not_found' ? 'PythonNodeNotFound' : 'PythonInitFailed'));
          return;
        }
        if (this.#busy > 0) this.#busy--;
        const state = this.#requests.get(frame.requestId);
        if (state) {
          state.done = true; // the Python side is finished with it: no CANCEL needed
          this.#failRequest(state, this.#errorFrom(body, 'PythonError', `Python node "${this.#options.nodeId}" (${this.#options.nodeType}) failed: `));
        }
        return;
      }
      case F.READY:
        this.#init?.resolve();
        return;
      case F.PROGRESS: {
        const { fraction, message } = frameJson(frame) as { fraction: number; message?: string };
        this.#options.onProgress?.(fraction, typeof message === 'string' ? clip(message, MAX_MESSAGE_CHARS) : message);
        return;
      }
    }
  }

  /** Writes buffers; resolves at once unless the pipe is full, then when it drains (or the process is gone). */
  #write(buffers: Buffer[]): Promise<void> | undefined {
    if (this.#exitError) return Promise.reject(this.#exitError);
    let ok = true;
    for (const b of buffers) ok = this.#input.write(b);
    if (ok) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => (this.#input.off('drain', done), resolve());
      this.#input.once('drain', done);
      void this.exited.then(done);
    });
  }

  /** Sends INIT and waits for READY, an init error, the process's death, the timeout, or `signal`. */
  async initialize(init: Record<string, unknown>, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.#exitError) throw this.#exitError;
    const { nodeId, nodeType } = this.#options;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#init = { resolve, reject };
        timer = setTimeout(() => {
          reject(
            new RemoteMediaError(
              Code.DeadlineExceeded,
              `Python node "${nodeId}" (${nodeType}) did not become ready within ${timeoutMs} ms (initTimeoutMs)${this.#describeTail()}`,
              {
                nodeId,
                reason: 'PythonInitTimeout',
                details: [{ path: 'stderr', message: this.stderrTail().join('\n') }],
              },
            ),
          );
          this.kill();
        }, timeoutMs);
        onAbort = () => reject(RemoteMediaError.from(signal.reason ?? new DOMException('aborted', 'AbortError'), Code.Canceled, { nodeId }));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        void this.#write([jsonFrame(F.INIT, 0, init)])?.catch(reject);
      });
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
      this.#init = undefined;
    }
  }

  /**
   * Sends one input (or a flush when `data` is undefined). Resolves at the first answer: with the
   * output itself when it is the only one, undefined when there is none, or a stream that yields
   * the outputs as they arrive. Aborting `signal` cancels the call on the Python side too.
   */
  request(data: RuntimeData | undefined, metadata: Readonly<Record<string, string>>, signal: AbortSignal): Promise<RequestResult> {
    if (this.#exitError) return Promise.reject(this.#exitError);
    if (signal.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId;
    this.#nextId = id >= 0xffff_ffff ? 1 : id + 1;
    const frame = data ? dataFrame(F.PROCESS, id, data, metadata) : [jsonFrame(F.FLUSH, id)];
    const length = frameLength(frame);
    if (length > this.#options.maxFrameBytes) {
      const { nodeId, nodeType, maxFrameBytes } = this.#options;
      return Promise.reject(
        new RemoteMediaError(
          Code.ResourceExhausted,
          `input of ${length} bytes for Python node "${nodeId}" (${nodeType}) is over the limit maxFrameBytes=${maxFrameBytes}`,
          { nodeId, reason: 'PythonFrameTooLarge' },
        ),
      );
    }
    return new Promise<RequestResult>((resolve, reject) => {
      const state: RequestState = {
        id,
        items: [],
        sizes: [],
        bytes: 0,
        done: false,
        error: undefined,
        wake: undefined,
        first: { resolve, reject },
        signal,
      };
      this.#requests.set(id, state);
      this.#watch(signal);
      this.#busy++;
      const pending = this.#write(frame);
      pending?.catch((error: unknown) => this.#failRequest(state, error));
    });
  }

  /**
   * One abort listener per signal, not per request: a node's signal lives until it is interrupted,
   * and adding/removing EventTarget listeners on every input costs microseconds per frame.
   */
  #watch(signal: AbortSignal): void {
    if (signal === this.#watched) return;
    this.#watched = signal;
    signal.addEventListener(
      'abort',
      () => {
        for (const state of [...this.#requests.values()]) if (state.signal === signal) this.#failRequest(state, signal.reason);
      },
      { once: true },
    );
  }

  #failRequest(state: RequestState, error: unknown): void {
    state.error ??= error;
    const first = state.first;
    if (first) {
      this.#finish(state);
      first.reject(state.error);
    } else state.wake?.();
  }

  /** The request is over for the host: forget it, and tell Python to stop if it is still running. */
  #finish(state: RequestState): void {
    state.first = undefined;
    if (!this.#requests.delete(state.id)) return;
    if (!state.done && !this.#exitError) void this.#write([jsonFrame(F.CANCEL, state.id)])?.catch(() => {});
    if (this.#paused) this.#resume();
  }

  async *#stream(state: RequestState): AsyncGenerator<RuntimeData> {
    try {
      for (;;) {
        if (state.items.length) {
          const item = state.items.shift()!;
          state.bytes -= state.sizes.shift()!;
          if (this.#paused && state.items.length < OUTPUT_HIGH_WATER / 2 && state.bytes < OUTPUT_HIGH_WATER_BYTES / 2) this.#resume();
          yield item;
          continue;
        }
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the request's failure (Python's error, the exit, an abort reason), rethrown as it came
        if (state.error !== undefined) throw state.error;
        if (state.done) return;
        await new Promise<void>((resolve) => (state.wake = resolve));
        state.wake = undefined;
      }
    } finally {
      this.#finish(state);
    }
  }

  #resume(): void {
    this.#paused = false;
    this.#output.resume();
  }

  /** Fire-and-forget control message (batch hints, deadlines). */
  control(data: RuntimeData): void {
    if (!this.#exitError) void this.#write(dataFrame(F.CONTROL, 0, data))?.catch(() => {});
  }

  /**
   * Asks the process to run `cleanup` and exit; kills it after `graceMs`. Resolves when it is gone,
   * except when its session was cancelled or failed (`aborted`: a deadline, a client gone) while
   * the process is still busy with an input: then it resolves at once, so the caller gets its
   * error without waiting for a process stuck mid-input; the process has CANCEL_GRACE_MS to stop
   * that input (then runs cleanup as usual) and is killed if it is still busy by then (stuck in
   * synchronous code, say).
   */
  async close(graceMs: number, options: { aborted?: boolean } = {}): Promise<void> {
    this.#closing = true;
    if (this.#exitError) return;
    void this.#write([jsonFrame(F.CLOSE, 0)])?.catch(() => {});
    const timer = setTimeout(() => this.kill(), graceMs);
    if (options.aborted && this.#busy > 0) {
      const busyTimer = setTimeout(() => this.#busy > 0 && this.kill(), Math.min(graceMs, CANCEL_GRACE_MS));
      void this.exited.then(() => (clearTimeout(timer), clearTimeout(busyTimer)));
      return;
    }
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.#closing = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
