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

/** Keeps the last `max` lines of a text stream (a process's stderr), for error messages. */
export class LineTail {
  readonly #lines: string[] = [];
  #partial = '';

  constructor(private readonly max: number) {}

  /** Adds a chunk; returns the complete lines it finished. */
  push(text: string): string[] {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop()!;
    this.#lines.push(...lines);
    if (this.#lines.length > this.max) this.#lines.splice(0, this.#lines.length - this.max);
    return lines;
  }

  lines(): string[] {
    return this.#partial ? [...this.#lines, this.#partial].slice(-this.max) : [...this.#lines];
  }
}
