/**
 * Node flags for `--workers` processes: the primary's own (so `--max-semi-space-size` carries over),
 * plus `--single-threaded-gc` when the workers fill every core. V8's parallel and concurrent GC
 * helpers only help when a core is idle; with a worker per core they preempt the other workers
 * mid-chunk and stretch each pause. In `pnpm bench grpc` (2 workers, 2 cores, 1000 real-time
 * sessions) that moved chunk p99 from 28-58 ms to 8-21 ms over five runs each. A flag the operator set
 * either way (`--single-threaded-gc` / `--no-single-threaded-gc`) is left alone.
 */
export function workerExecArgv(primaryExecArgv: readonly string[], workers: number, cores: number): string[] {
  const argv = [...primaryExecArgv];
  const chosen = argv.some((a) => /^--(no-)?single[-_]threaded[-_]gc$/.test(a)); // V8 takes - or _
  if (!chosen && workers >= cores) argv.push('--single-threaded-gc');
  return argv;
}
