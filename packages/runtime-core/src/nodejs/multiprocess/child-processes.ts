import type { ChildProcess } from 'node:child_process';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Python SDK shipped in this package (same relative place from src/ and dist/). */
export const PYTHON_SDK_DIR = fileURLToPath(new URL('../../../python', import.meta.url));

// Every live child, killed when this process exits: children never outlive the runtime.
// (If the runtime is killed outright, the Python side notices on its own: see worker.py.)
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** Python processes started by this runtime that are still running. */
export function livePythonProcessCount(): number {
  return live.size;
}

/** PYTHONPATH for a worker: the SDK first, then the pipeline's directories, then the inherited value. */
export function pythonPathEnv(extra: readonly string[], inherited = process.env.PYTHONPATH): string {
  return [PYTHON_SDK_DIR, ...extra, ...(inherited ? [inherited] : [])].join(delimiter);
}

/** Longest line a LineTail keeps or hands out, in characters; the rest of a longer line is counted, not kept. */
export const MAX_TAIL_LINE_CHARS = 1000;
/** Characters a LineTail keeps across its lines; the oldest lines are dropped beyond it. */
export const MAX_TAIL_CHARS = 8000;

/**
 * Keeps the last `max` lines of a text stream (a process's stderr), for error messages, in bounded
 * memory and linear time: each chunk is scanned once, a line longer than `maxLineChars` keeps its
 * start and a count of the rest, and the kept lines hold at most `maxChars` characters. A `\r` not
 * followed by `\n` starts the line over, as on a terminal: a progress bar that redraws itself
 * with `\r` is one line (its latest state), not one line per redraw. `\r\n` ends a line.
 */
export class LineTail {
  readonly #lines: string[] = [];
  #chars = 0;
  /** The line being received, up to maxLineChars, and how many characters of it were not kept. */
  #partial = '';
  #dropped = 0;
  /** The last character seen was a `\r`: the line starts over unless a `\n` follows. */
  #cr = false;

  constructor(
    private readonly max: number,
    private readonly maxLineChars = MAX_TAIL_LINE_CHARS,
    private readonly maxChars = MAX_TAIL_CHARS,
  ) {}

  /** Adds a chunk; returns the complete lines it finished (each at most maxLineChars plus a note of what was cut). */
  push(text: string): string[] {
    const done: string[] = [];
    let pos = 0;
    // Next \n and \r at or after pos, each found once: the chunk is scanned once however it is split.
    let nl = text.indexOf('\n');
    let cr = text.indexOf('\r');
    for (;;) {
      if (cr >= 0 && (nl < 0 || cr < nl)) {
        this.#append(text, pos, cr);
        this.#cr = true;
        pos = cr + 1;
        cr = text.indexOf('\r', pos);
      } else if (nl >= 0) {
        this.#append(text, pos, nl);
        this.#cr = false; // \r\n (also split across chunks) ends the line it follows
        const line = this.#take();
        done.push(line);
        this.#keep(line);
        pos = nl + 1;
        nl = text.indexOf('\n', pos);
      } else {
        this.#append(text, pos, text.length);
        return done;
      }
    }
  }

  #append(text: string, start: number, end: number): void {
    if (end <= start) return;
    if (this.#cr) {
      this.#cr = false;
      this.#partial = '';
      this.#dropped = 0;
    }
    const room = this.maxLineChars - this.#partial.length;
    const n = end - start;
    if (n <= room) this.#partial += text.slice(start, end);
    else {
      if (room > 0) this.#partial += text.slice(start, start + room);
      this.#dropped += n - Math.max(room, 0);
    }
  }

  #current(): string {
    return this.#dropped ? `${this.#partial}... (${this.#dropped} more characters)` : this.#partial;
  }

  #take(): string {
    const line = this.#current();
    this.#partial = '';
    this.#dropped = 0;
    return line;
  }

  #keep(line: string): void {
    if (this.max <= 0) return;
    this.#lines.push(line);
    this.#chars += line.length;
    while (this.#lines.length > this.max || (this.#chars > this.maxChars && this.#lines.length > 1)) this.#chars -= this.#lines.shift()!.length;
  }

  lines(): string[] {
    const partial = this.#partial || this.#dropped ? this.#current() : '';
    return partial ? [...this.#lines, partial].slice(-Math.max(this.max, 1)) : [...this.#lines];
  }
}
