// Drives one target against its live server: fast-check draws the requests from a seed, every
// answer is judged, the server must keep answering its health check within a bound, must never
// exit, and its resident memory is sampled throughout and once more after the run.
import fc from 'fast-check';
import type { LiveServer } from './live-server.js';
import { within } from './verdicts.js';

export interface FuzzTarget<C> {
  readonly name: string;
  /** The requests to draw from. */
  readonly cases: fc.Arbitrary<C>;
  /** Valid requests that load what a normal client would (models, code paths) before the baseline is taken. */
  warmUp(server: LiveServer): Promise<void>;
  /** Whether the server answers its health check (within 2 s). */
  healthy(server: LiveServer): Promise<boolean>;
  /** Sends one case; resolves with what was wrong with the answer, or undefined when it was right. */
  send(server: LiveServer, c: C): Promise<string | undefined>;
  /** Releases the client side (agents, sockets). */
  close(): Promise<void>;
}

export interface FuzzOptions {
  seed: number;
  /** Cases to try. */
  runs: number;
  /** Health check after every this many cases. Default 10. */
  healthEvery?: number;
  /** Longest wait for one case's answer. Default 30000 ms. */
  caseTimeoutMs?: number;
  /** Stop drawing new cases after this long (a failure still shrinks within it). Default: none. */
  timeLimitMs?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  target: string;
  seed: number;
  /** Cases sent (including the ones fast-check tried while shrinking a failure). */
  requests: number;
  /** Whether the server process exited during the run. */
  crashed: boolean;
  /** Health checks that got no answer within 2 s. */
  healthFailures: number;
  /** The first wrong answer, with the smallest case fast-check found for it. */
  failure?: { problem: string; counterexample: string };
  rssBaselineMb: number;
  rssPeakMb: number;
  /** After the run, once the server had a moment to settle. */
  rssAfterMb: number;
  seconds: number;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

export async function fuzzLiveServer<C>(target: FuzzTarget<C>, server: LiveServer, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const healthEvery = options.healthEvery ?? 10;
  const caseTimeoutMs = options.caseTimeoutMs ?? 30_000;
  await target.warmUp(server);
  const baseline = server.rssBytes();
  let peak = baseline;
  let requests = 0;
  let healthFailures = 0;
  let crashed = false;
  let lastProblem = '';
  const property = fc.asyncProperty(target.cases, async (c) => {
    requests++;
    const problem = await within(caseTimeoutMs, target.send(server, c), () => `no answer within ${caseTimeoutMs} ms`).catch(
      (e: unknown) => `the request failed: ${(e as Error)?.message ?? e}`,
    );
    peak = Math.max(peak, server.rssBytes());
    if (!server.alive) {
      crashed = true;
      lastProblem = `the server exited: ${server.stderrTail().slice(-1500)}`;
      throw new Error(lastProblem);
    }
    if (requests % healthEvery === 0 && !(await target.healthy(server))) {
      healthFailures++;
      lastProblem = 'the health check got no answer within 2 s';
      throw new Error(lastProblem);
    }
    if (problem) {
      lastProblem = problem;
      throw new Error(problem);
    }
  });
  const result = await fc.check(property, {
    seed: options.seed,
    numRuns: options.runs,
    ...(options.timeLimitMs ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {}),
    // A crashed server answers nothing more: shrinking against it would only repeat the crash.
    endOnFailure: false,
  });
  // Memory after: let timers, closed sessions and sockets settle.
  let after = server.rssBytes();
  for (let i = 0; i < 10 && after > baseline * 1.25; i++) {
    await new Promise((r) => setTimeout(r, 500));
    after = server.rssBytes();
  }
  const report: FuzzReport = {
    target: target.name,
    seed: options.seed,
    requests,
    crashed,
    healthFailures,
    ...(result.failed
      ? { failure: { problem: lastProblem || String(result.errorInstance), counterexample: fc.stringify(result.counterexample).slice(0, 2000) } }
      : {}),
    rssBaselineMb: mb(baseline),
    rssPeakMb: mb(peak),
    rssAfterMb: mb(after),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  options.log?.(
    `${target.name}: ${requests} requests, ${crashed ? 'CRASHED' : 'no crash'}, ${healthFailures} health failures, RSS ${report.rssBaselineMb} -> peak ${report.rssPeakMb} -> ${report.rssAfterMb} MB, ${report.seconds} s${report.failure ? `\n  FAILED: ${report.failure.problem}\n  case: ${report.failure.counterexample}` : ''}`,
  );
  return report;
}

/**
 * Sends `runs` cases without stopping at the first wrong answer and groups the problems by their
 * first words, to see every kind of problem at once (`pnpm fuzz --explore`).
 */
export async function exploreLiveServer<C>(
  target: FuzzTarget<C>,
  server: LiveServer,
  options: FuzzOptions,
): Promise<Map<string, { count: number; example: string; case: string }>> {
  const found = new Map<string, { count: number; example: string; case: string }>();
  await target.warmUp(server);
  const cases = fc.sample(target.cases, { seed: options.seed, numRuns: options.runs });
  let last = '';
  for (const c of cases) {
    if (!server.alive) break;
    last = fc.stringify(c).slice(0, 3000);
    const problem = await within(options.caseTimeoutMs ?? 30_000, target.send(server, c), () => 'no answer in time').catch(
      (e: unknown) => `the request failed: ${(e as Error)?.message ?? e}`,
    );
    if (!problem) continue;
    const key = problem.replace(/\d+/g, 'N').slice(0, 90);
    const entry = found.get(key);
    if (entry) entry.count++;
    else found.set(key, { count: 1, example: problem.slice(0, 400), case: fc.stringify(c).slice(0, 600) });
  }
  if (!server.alive) found.set('the server exited', { count: 1, example: server.stderrTail().slice(0, 1500), case: last });
  return found;
}
