// Property-based fuzzing of the live servers (issue 23): each server runs as its own process, as
// operators run it, and gets a few hundred hostile requests drawn from a fixed seed. Every answer
// must be a structured error of a client class (or a success), the server must keep answering its
// health check, never exit, and give back its memory. `pnpm fuzz` runs the same for longer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, liveServers } from '../src/live-server.js';
import { fuzzLiveServer } from '../src/run-fuzz.js';
import { targets } from '../src/targets/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_206);
/** Cases per transport in the normal test run: enough to cover every request kind several times. */
const RUNS = { grpc: 400, http: 400, webrtc: 400 } as const;
/** Memory the server may keep after the run, over what it used after warming up. */
const RSS_SLACK_MB = 150;

describe.each(Object.keys(targets) as Array<keyof typeof targets>)('fuzzing the live %s server', (name) => {
  let server: LiveServer;
  beforeAll(async () => {
    server = await liveServers[name]();
  }, 90_000);
  afterAll(async () => {
    await targets[name].close();
    await server?.stop();
  });

  it(`answers ${RUNS[name]} hostile requests with client errors, stays healthy and gives memory back (seed ${SEED})`, async () => {
    const report = await fuzzLiveServer(targets[name] as never, server, {
      seed: SEED,
      runs: RUNS[name],
      timeLimitMs: 240_000,
      log: (line) => console.log(line),
    });
    expect(report.failure, report.failure ? `${report.failure.problem}\ncase: ${report.failure.counterexample}` : '').toBeUndefined();
    expect(report.crashed).toBe(false);
    expect(report.healthFailures).toBe(0);
    expect(report.requests).toBeGreaterThanOrEqual(Math.min(RUNS[name], 50));
    expect(report.rssAfterMb).toBeLessThanOrEqual(report.rssBaselineMb + RSS_SLACK_MB);
    expect(server.alive).toBe(true);
  }, 300_000);
});
