#!/usr/bin/env node
// The Node.js lines the packages support (their `engines`): the test suite runs on each.
// The binaries come from the npm registry (`node-<platform>-<arch>@<version>`, the official
// builds), cached under .cache/node/<version>/ so a machine with only Node 20 + npm can test.
//
//   node scripts/node-lines.mjs                       vitest on every line, one summary line
//   node scripts/node-lines.mjs 24 [--] <vitest args> one line, e.g. a few test files
//   node scripts/node-lines.mjs --install             only install, print each line's bin folder
//   node scripts/node-lines.mjs exec -- <node args>   `node <args>` on a supported Node.js: this one when it
//                                                     satisfies the root engines, else the newest 22 (the root
//                                                     scripts that run the apps use it, so Node 20 + npm is enough)
//
// REMOTEMEDIA_NODE_LINES=22,24 (the default) picks the lines; the newest release of each major
// is looked up in the registry, and the newest cached one is used when the registry is unreachable.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;
export const defaultLines = [22, 24];
const cacheDir = join(root, '.cache/node');
const packageName = `node-${process.platform}-${process.arch}`;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The majors to test on: REMOTEMEDIA_NODE_LINES (comma-separated) or 22 and 24. */
export function nodeLines() {
  const fromEnv = (process.env.REMOTEMEDIA_NODE_LINES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return fromEnv.length ? fromEnv.map(Number) : defaultLines;
}

const compareVersions = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
};
const cachedVersions = (major) =>
  existsSync(cacheDir)
    ? readdirSync(cacheDir)
        .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.startsWith(`${major}.`) && existsSync(join(cacheDir, v, 'bin/node')))
        .sort(compareVersions)
    : [];

/** The newest published release of a major, or the newest cached one when the registry does not answer. */
function latestVersion(major) {
  const r = spawnSync(npm, ['view', `${packageName}@${major}`, 'version', '--json'], { encoding: 'utf8' });
  if (r.status === 0) {
    const parsed = JSON.parse(r.stdout);
    const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
    if (versions.length) return versions.sort(compareVersions).at(-1);
  }
  const cached = cachedVersions(major).at(-1);
  if (cached) return cached;
  throw new Error(`cannot resolve Node.js ${major} (${packageName}@${major}): ${r.stderr?.trim() || `npm exited ${r.status}`}`);
}

/** Installs (once) the newest Node.js of `major` and returns its version and bin folder; `preferCached` skips the registry when one is cached. */
export function ensureNodeLine(major, { preferCached = false } = {}) {
  const version = (preferCached && cachedVersions(major).at(-1)) || latestVersion(major);
  const dir = join(cacheDir, version);
  const bin = join(dir, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'remotemedia-node-'));
    try {
      const pack = spawnSync(npm, ['pack', `${packageName}@${version}`, '--pack-destination', work, '--json'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (pack.status !== 0) throw new Error(`npm pack ${packageName}@${version} failed`);
      const tarball = join(work, JSON.parse(pack.stdout)[0].filename);
      const unpacked = join(work, 'unpacked');
      mkdirSync(unpacked);
      const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], { stdio: 'inherit' });
      if (tar.status !== 0) throw new Error(`cannot unpack ${tarball}`);
      // Unpacked next to its final place, then renamed: an interrupted install leaves no half folder behind.
      const staging = mkdtempSync(join(cacheDir, `.${version}-`));
      renameSync(unpacked, join(staging, 'node'));
      rmSync(dir, { recursive: true, force: true });
      renameSync(join(staging, 'node'), dir);
      rmSync(staging, { recursive: true, force: true });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { major, version, bin, node: join(bin, 'node') };
}

/** Counts from a vitest JSON report; a missing report or a failed suite (e.g. a load error) counts as a failure. */
function readReport(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const failed = r.numFailedTests + (r.success === false && r.numFailedTests === 0 ? 1 : 0);
  return { passed: r.numPassedTests, failed, skipped: r.numPendingTests + r.numTodoTests };
}

/**
 * Runs vitest with the given Node.js line: its bin folder first on PATH (child processes the tests
 * spawn, e.g. `node`, use it too) and vitest's own entry run by that binary.
 */
export function runVitest(line, vitestArgs = []) {
  const report = join(tmpdir(), `remotemedia-vitest-${line.major}-${process.pid}.json`);
  const PATH = [
    line.bin,
    ...(process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((p) => (p.startsWith('/') ? p : join(root, p))),
  ].join(':');
  const args = [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs];
  const started = Date.now();
  const r = spawnSync(line.node, args, { cwd: root, stdio: 'inherit', env: { ...process.env, PATH } });
  const counts = readReport(report);
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1;
  return { ...counts, ok: r.status === 0 && counts.failed === 0, seconds: Math.round((Date.now() - started) / 1000) };
}

export const describeCounts = (line, c) => `node ${line.major} (${line.version}): ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;

/** True when this Node.js satisfies the root package.json's `engines.node` (a `>=x.y.z` range). */
export function hostIsSupported() {
  const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '';
  const min = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim())?.[1];
  if (!min) return true;
  return compareVersions(process.versions.node, [...min.split('.'), '0', '0'].slice(0, 3).join('.')) >= 0;
}

/** Runs `node <args>` on a supported Node.js, passing signals on (Ctrl-C reaches the child as well) and its exit code back. */
function execNode(args) {
  const node = hostIsSupported() ? process.execPath : ensureNodeLine(defaultLines[0], { preferCached: true }).node;
  const child = spawn(node, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === 'exec') {
  const dashes = process.argv.indexOf('--');
  execNode(process.argv.slice(dashes < 0 ? 3 : dashes + 1));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  // Leading majors and --install are ours, the rest is vitest's; the `--` between is optional (pnpm drops it).
  const argv = process.argv.slice(2);
  if (argv.includes('--')) argv.splice(argv.indexOf('--'), 1);
  const firstVitestArg = argv.findIndex((a) => !/^\d+$/.test(a) && a !== '--install');
  const own = firstVitestArg < 0 ? argv : argv.slice(0, firstVitestArg);
  const vitestArgs = firstVitestArg < 0 ? [] : argv.slice(firstVitestArg);
  const majors = own.filter((a) => /^\d+$/.test(a)).map(Number);
  const lines = (majors.length ? majors : nodeLines()).map(ensureNodeLine);
  if (own.includes('--install')) {
    for (const line of lines) console.log(`node ${line.major}: ${line.version} ${line.bin}`);
    process.exit(0);
  }
  const results = lines.map((line) => {
    process.stdout.write(`\n=== tests on node ${line.version}\n`);
    return { line, counts: runVitest(line, vitestArgs) };
  });
  console.log(`\n${results.map(({ line, counts }) => describeCounts(line, counts)).join('; ')}`);
  process.exit(results.every(({ counts }) => counts.ok) ? 0 : 1);
}
