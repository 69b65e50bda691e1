#!/usr/bin/env node
// The whole test suite, as CI runs it (`pnpm test:all`, called by .ci/run and the README):
// system packages the tests need, lint (package boundaries), generated-code freshness,
// typecheck, build, then every vitest test. Ends with one `N passed, N failed` line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.env.TURBO_TELEMETRY_DISABLED = '1';
process.env.DO_NOT_TRACK = '1';
// Relative PATH entries (e.g. ./node_modules/.bin) resolve differently in each package folder: make them absolute.
process.env.PATH = (process.env.PATH ?? '').split(':').filter(Boolean).map((p) => (p.startsWith('/') ? p : join(root, p))).join(':');
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
  ? [...new Set(readFileSync(join(root, 'scripts/system-packages.txt'), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean))]
  : [];
const missing = wanted.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
if (missing.length) {
  if (process.getuid?.() === 0) {
    run('apt-get update', 'apt-get', ['update', '-qq']);
    run(`install ${missing.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.warn(`warning: missing system packages (${missing.join(', ')}); tests that need them will fail. Install them with apt-get as root.`);
  }
}

// 2. Static checks.
run('lint', 'eslint', ['.']);
if (existsSync(join(root, 'scripts/check-generated.mjs'))) run('generated code is fresh', 'node', ['scripts/check-generated.mjs']);
run('typecheck', 'node', ['scripts/turbo.mjs', 'run', 'typecheck', '--continue', '--output-logs=errors-only']);
run('build', 'node', ['scripts/turbo.mjs', 'run', 'build', '--continue', '--output-logs=errors-only']);

// 3. Tests.
const report = join(tmpdir(), `remotemedia-vitest-${process.pid}.json`);
run('tests', 'vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numTotalTestSuites && r.success === false && r.numFailedTests === 0 ? 1 : 0);
  skipped = r.numPendingTests + r.numTodoTests;
  rmSync(report);
} else failed++;

console.log('\n=== summary');
for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds}s)`);
const stepFailures = steps.filter((s) => !s.ok && s.name !== 'tests').length;
console.log(`${passed} passed, ${failed + stepFailures} failed, ${skipped} skipped`);
process.exit(failed + stepFailures > 0 || steps.some((s) => !s.ok) ? 1 : 0);
