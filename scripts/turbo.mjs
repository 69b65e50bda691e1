#!/usr/bin/env node
// Runs turbo with absolute PATH entries: pnpm puts `./node_modules/.bin` first, which turbo
// would resolve inside each package folder and fail to spawn pnpm there.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PATH = (process.env.PATH ?? '')
  .split(':')
  .filter(Boolean)
  .map((p) => (p.startsWith('/') ? p : join(root, p)));
const env = { ...process.env, PATH: [join(root, 'node_modules/.bin'), ...PATH].join(':'), TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const r = spawnSync('turbo', process.argv.slice(2), { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
