#!/usr/bin/env node
// Builds the RemoteMedia Python SDK image offline: no registry pull, no download.
//
//   node packages/runtime-core/container/build-image.mjs [--engine podman|docker] [--tag NAME] [--no-numpy] [--if-changed] [--context-only DIR]
//
// --if-changed: do nothing when the image exists and was built from the same SDK and recipe (its
// dev.remotemedia.sdk-hash label).
//
// 1. A root file system is made from the host's installed Debian packages (python3 and, when it
//    is installed, python3-numpy, with the closure of their dependencies as dpkg knows them):
//    every file `dpkg -L` lists is copied, docs, man pages and locales left out.
// 2. The `remotemedia` SDK is pip-installed into it from packages/runtime-core/python (offline:
//    its build backend is standard library only), so the image runs `python3 -m remotemedia.worker`.
// 3. `<engine> build` runs the Containerfile next to this script: FROM scratch, ADD rootfs.tar.
//
// Prints the image name. The default tag is `localhost/remotemedia-python:<runtime-core version>`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const sdk = join(here, '..', 'python');
const version = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')).version;

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const tag = opt('--tag', `localhost/remotemedia-python:${version}`);
const contextOnly = opt('--context-only', undefined);
const withNumpy = !args.includes('--no-numpy');

// What the image is made of, for --if-changed: the SDK's files, this script, the Containerfile.
function sdkHash() {
  const h = createHash('sha256');
  const add = (p) => h.update(p).update(readFileSync(p));
  const walkSdk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (lstatSync(p).isDirectory()) {
        if (name !== '__pycache__') walkSdk(p);
      } else if (name.endsWith('.py') || name === 'py.typed') add(p);
    }
  };
  walkSdk(join(sdk, 'remotemedia'));
  add(join(sdk, 'remotemedia_runtime.py'));
  add(fileURLToPath(import.meta.url));
  add(join(here, 'Containerfile'));
  return h.digest('hex').slice(0, 16);
}
const hash = sdkHash();

function sh(cmd, argv, options = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${(r.stderr || '').slice(-4000)}`);
  return r.stdout;
}

function detectEngine() {
  const wanted = opt('--engine', process.env.REMOTEMEDIA_CONTAINER_ENGINE);
  for (const engine of wanted ? [wanted] : ['podman', 'docker']) {
    const r = spawnSync(engine, ['info'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return engine;
    if (wanted) throw new Error(`${engine} info failed: ${(r.stderr || r.error?.message || '').trim()}`);
  }
  throw new Error('no working container engine (tried podman info, docker info); install podman and runc (apt-get install podman runc)');
}

function lstatSafe(p) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

if (args.includes('--if-changed') && !contextOnly) {
  const engine = detectEngine();
  const r = spawnSync(engine, ['image', 'inspect', '--format', '{{index .Labels "dev.remotemedia.sdk-hash"}}', tag], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim() === hash) {
    process.stdout.write(`${tag}\n`);
    process.exit(0);
  }
}

// --- 1. package closure ----------------------------------------------------------------------
const installed = (pkg) => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('install ok installed');
// Tools of a full system that a Python image never runs (dpkg's own helpers and what only they need).
const SKIP = new Set([
  'dpkg',
  'debconf',
  'perl-base',
  'debianutils',
  'install-info',
  'tar',
  'init-system-helpers',
  'media-types',
  'mime-support',
  'readline-common',
  'libreadline8',
  'python3-pkg-resources',
]);
const roots = ['python3', 'ca-certificates', 'tzdata', ...(withNumpy && installed('python3-numpy') ? ['python3-numpy'] : [])].filter(
  (p) => p === 'python3' || installed(p),
);
const closure = new Set();
const queue = [...roots];
while (queue.length) {
  const pkg = queue.shift();
  if (closure.has(pkg) || SKIP.has(pkg)) continue;
  const depends = spawnSync('dpkg-query', ['-W', '-f=${Pre-Depends}, ${Depends}', pkg], { encoding: 'utf8' });
  if (depends.status !== 0) throw new Error(`package ${pkg} is not installed on this host (apt-get install ${pkg})`);
  closure.add(pkg);
  for (const group of depends.stdout
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    // "a (>= 1) | b": the first alternative that is installed (virtual packages have none of their own).
    const names = group.split('|').map((alt) => alt.trim().split(/[\s(:]/)[0]);
    const pick = names.find((n) => closure.has(n)) ?? names.find((n) => installed(n));
    if (pick) queue.push(pick);
  }
}

// --- 2. root file system ---------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'remotemedia-image-'));
const context = contextOnly ?? join(work, 'context');
const rootfs = join(work, 'rootfs');
mkdirSync(rootfs, { recursive: true });
mkdirSync(context, { recursive: true });
// Merged /usr (Debian 12): /bin, /lib, /lib64 and /sbin are links into /usr, made first so the
// files dpkg lists under /lib land in /usr/lib as on the host.
for (const d of ['bin', 'lib', 'lib64', 'sbin']) {
  mkdirSync(join(rootfs, 'usr', d), { recursive: true });
  symlinkSync(`usr/${d}`, join(rootfs, d));
}
const LEAVE_OUT = /^\/usr\/share\/(doc|man|info|locale|lintian|bug)\//;
let files = 0;
for (const pkg of [...closure].sort()) {
  for (const path of sh('dpkg', ['-L', pkg]).split('\n')) {
    if (!path.startsWith('/') || path === '/.' || LEAVE_OUT.test(path) || path.startsWith('/etc/init.d/')) continue;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue; // diverted or removed by the admin
    }
    const target = join(rootfs, path);
    if (st.isDirectory()) mkdirSync(target, { recursive: true });
    else if (st.isSymbolicLink()) {
      mkdirSync(dirname(target), { recursive: true });
      if (!lstatSafe(target)) symlinkSync(readlinkSync(path), target);
    } else if (st.isFile()) {
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target, { preserveTimestamps: true });
      files++;
    }
  }
}
// Links through /etc/alternatives (libblas.so.3 -> /etc/alternatives/... -> blas/libblas.so.3) are
// made by update-alternatives, not listed by any package: copy the host's where its choice is in the image.
for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/bin']) {
  if (!lstatSafe(dir)) continue;
  for (const name of readdirSync(dir)) {
    const link = join(dir, name);
    const alt = lstatSafe(link)?.isSymbolicLink() ? readlinkSync(link) : '';
    if (!alt.startsWith('/etc/alternatives/') || !lstatSafe(alt)?.isSymbolicLink()) continue;
    const real = readlinkSync(alt);
    if (!lstatSafe(join(rootfs, real)) || lstatSafe(join(rootfs, link))) continue;
    mkdirSync(join(rootfs, 'etc/alternatives'), { recursive: true });
    if (!lstatSafe(join(rootfs, alt))) symlinkSync(real, join(rootfs, alt));
    symlinkSync(alt, join(rootfs, link));
  }
}
for (const d of ['etc', 'tmp', 'scratch', 'proc', 'sys', 'dev', 'run', 'var/tmp']) mkdirSync(join(rootfs, d), { recursive: true });
writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/scratch:/usr/sbin/nologin\n');
writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
writeFileSync(join(rootfs, 'etc/ld.so.conf'), 'include /etc/ld.so.conf.d/*.conf\n');
writeFileSync(join(rootfs, 'etc/os-release'), `NAME="RemoteMedia Python (from host Debian packages)"\nID=remotemedia-python\nVERSION_ID="${version}"\n`);
sh('ldconfig', ['-r', rootfs]);

// The SDK, pip-installed offline from its source folder (standard-library build backend).
const pyVersion = sh('/usr/bin/python3', ['-c', 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")']).trim();
const site = join(rootfs, 'usr/lib/python3/dist-packages');
mkdirSync(site, { recursive: true });
const pip = spawnSync('/usr/bin/python3', ['-m', 'pip', 'install', '--no-index', '--no-deps', '--no-build-isolation', '--no-compile', '--target', site, sdk], {
  encoding: 'utf8',
  env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
});
if (pip.status !== 0) {
  // No pip on this host: the SDK is pure Python, so its package folder is what pip would install.
  cpSync(join(sdk, 'remotemedia'), join(site, 'remotemedia'), { recursive: true, filter: (p) => !p.includes('__pycache__') });
  cpSync(join(sdk, 'remotemedia_runtime.py'), join(site, 'remotemedia_runtime.py'));
}
// Byte-compile with the image's own interpreter so a read-only root starts as fast as a writable one.
sh('/usr/bin/python3', ['-m', 'compileall', '-q', '-j', '0', site], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '' } });
rmSync(join(site, 'bin'), { recursive: true, force: true });

sh('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', join(context, 'rootfs.tar'), '.']);
cpSync(join(here, 'Containerfile'), join(context, 'Containerfile'));
process.stderr.write(
  `root file system: ${closure.size} Debian packages, ${files} files, Python ${pyVersion}${withNumpy && closure.has('python3-numpy') ? ' + numpy' : ''}\n`,
);
rmSync(rootfs, { recursive: true, force: true });
if (contextOnly) {
  process.stdout.write(`${context}\n`);
  process.exit(0);
}

// --- 3. image --------------------------------------------------------------------------------
const engine = detectEngine();
// No RUN step: the build needs no OCI runtime and no network.
const build = spawnSync(
  engine,
  ['build', '--pull=false', '--build-arg', `VERSION=${version}`, '--build-arg', `SDK_HASH=${hash}`, '-t', tag, '-f', join(context, 'Containerfile'), context],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
rmSync(work, { recursive: true, force: true });
if (build.status !== 0) process.exit(build.status ?? 1);
process.stdout.write(`${tag}\n`);
