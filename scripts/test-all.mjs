#!/usr/bin/env node
// The whole test suite, as CI runs it (`pnpm test:all`, called by .ci/run and the README):
// system packages the tests need, lint (type-aware rules and package boundaries), generated-code
// freshness, typecheck, build, formatting (when enabled, see below), then every vitest test on each
// supported Node.js line (22 and 24, installed from the npm registry by scripts/node-lines.mjs, so
// the machine's own Node.js may be older). Ends with one line of counts per Node.js line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeCounts, ensureNodeLine, nodeLines, runVitest } from './node-lines.mjs';

const root = new URL('..', import.meta.url).pathname;
process.env.TURBO_TELEMETRY_DISABLED = '1';
process.env.DO_NOT_TRACK = '1';
// Relative PATH entries (e.g. ./node_modules/.bin) resolve differently in each package folder: make them absolute.
process.env.PATH = (process.env.PATH ?? '')
  .split(':')
  .filter(Boolean)
  .map((p) => (p.startsWith('/') ? p : join(root, p)))
  .join(':');
const steps = [];
const run = (name, cmd, args, options = {}) => {
  const started = Date.now();
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: false, ...options });
  const ok = r.status === 0;
  steps.push({ name, ok, seconds: Math.round((Date.now() - started) / 1000) });
  return ok;
};

// 1. System packages (chromium, ...) listed by the packages' tests; installed only when missing.
const wanted = existsSync(join(root, 'scripts/system-packages.txt'))
  ? [
      ...new Set(
        readFileSync(join(root, 'scripts/system-packages.txt'), 'utf8')
          .split('\n')
          .map((l) => l.replace(/#.*/, '').trim())
          .filter(Boolean),
      ),
    ]
  : [];
const missing = wanted.filter(
  (p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true,
);
if (missing.length) {
  if (process.getuid?.() === 0) {
    run('apt-get update', 'apt-get', ['update', '-qq']);
    run(`install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    console.warn(`warning: missing system packages (${missing.join(', ')}); tests that need them will fail. Install them with apt-get as root.`);
  }
}

// 2. Static checks.
run('lint', 'eslint', ['.']);
if (existsSync(join(root, 'scripts/check-generated.mjs'))) run('generated code is fresh', 'node', ['scripts/check-generated.mjs']);
run('typecheck', 'node', ['scripts/turbo.mjs', 'run', 'typecheck', '--continue', '--output-logs=errors-only']);
run('build', 'node', ['scripts/turbo.mjs', 'run', 'build', '--continue', '--output-logs=errors-only']);

// Formatting (prettier --check); REMOTEMEDIA_CHECK_FORMAT=0 skips it (=1 forces it).
const checkFormatByDefault = true;
if (process.env.REMOTEMEDIA_CHECK_FORMAT ? process.env.REMOTEMEDIA_CHECK_FORMAT === '1' : checkFormatByDefault)
  run('format', 'prettier', ['--check', '.', '--log-level=warn']);

// 3. Tests, once per supported Node.js line.
const lines = [];
for (const major of nodeLines()) {
  const started = Date.now();
  let line;
  try {
    line = ensureNodeLine(major);
  } catch (error) {
    console.error(String(error));
    steps.push({ name: `install node ${major}`, ok: false, seconds: Math.round((Date.now() - started) / 1000) });
    lines.push({ line: { major, version: 'missing' }, counts: { passed: 0, failed: 1, skipped: 0 } });
    continue;
  }
  process.stdout.write(`\n=== tests on node ${line.version}\n`);
  const counts = runVitest(line);
  steps.push({ name: `tests on node ${line.version}`, ok: counts.ok, seconds: counts.seconds });
  lines.push({ line, counts });
}

console.log('\n=== summary');
for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds}s)`);
const failedSteps = steps.filter((s) => !s.ok && !s.name.startsWith('tests on ')).map((s) => s.name);
console.log(
  [...lines.map(({ line, counts }) => describeCounts(line, counts)), ...(failedSteps.length ? [`failed steps: ${failedSteps.join(', ')}`] : [])].join('; '),
);
process.exit(steps.some((s) => !s.ok) ? 1 : 0);
