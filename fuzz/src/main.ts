#!/usr/bin/env node
// `pnpm fuzz [--seed N] [--runs N] [--transport grpc|http|webrtc] [--minutes M] [--explore]`: long
// fuzzing runs against live servers. Prints one line per transport and exits 1 if any found a
// problem; `--explore` keeps going after a wrong answer and lists every kind of problem found.
import { parseArgs } from 'node:util';
import { liveServers } from './live-server.js';
import { type FuzzReport, exploreLiveServer, fuzzLiveServer } from './run-fuzz.js';
import { targets } from './targets/index.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    runs: { type: 'string', default: '2000' },
    transport: { type: 'string', multiple: true },
    minutes: { type: 'string' },
    explore: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const runs = Number(values.runs);
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: pnpm fuzz [--seed <integer>] [--runs <count>] [--transport grpc|http|webrtc]... [--minutes <per transport>]');
  process.exit(2);
}
const chosen = values.transport?.length ? values.transport : (Object.keys(targets) as Array<keyof typeof targets>);
const reports: FuzzReport[] = [];
for (const name of chosen) {
  if (!(name in targets)) {
    console.error(`unknown transport "${name}" (one of ${Object.keys(targets).join(', ')})`);
    process.exit(2);
  }
  const key = name as keyof typeof targets;
  const server = await liveServers[key]();
  try {
    console.log(`fuzzing ${server.name} at ${server.url} (pid ${server.pid}), seed ${seed}, ${runs} cases`);
    if (values.explore) {
      const found = await exploreLiveServer(targets[key] as never, server, { seed, runs });
      for (const [, f] of found) console.log(`${f.count}x ${f.example}\n   case: ${f.case}`);
      if (found.size)
        reports.push({
          target: key,
          seed,
          requests: runs,
          crashed: !server.alive,
          healthFailures: 0,
          failure: { problem: `${found.size} kinds of problem`, counterexample: '' },
          rssBaselineMb: 0,
          rssPeakMb: 0,
          rssAfterMb: 0,
          seconds: 0,
        });
      continue;
    }
    reports.push(
      await fuzzLiveServer(targets[key] as never, server, {
        seed,
        runs,
        ...(values.minutes ? { timeLimitMs: Number(values.minutes) * 60_000 } : {}),
        log: console.log,
      }),
    );
  } finally {
    await targets[key].close();
    await server.stop();
  }
}
console.log(JSON.stringify(reports, null, 2));
process.exit(reports.some((r) => r.failure || r.crashed) ? 1 : 0);
