// The capacity bench's "first-wave" server: the gRPC app as it was when issue 22 ("3x today's SileroVAD
// sessions per core") was filed, commit b99cfd4 (the parent of d10b70e, the first capacity commit). It is
// extracted from git history into .cache/bench-first-wave/<commit> (`git archive`, so the shared repo gets
// no extra worktree), installed with that commit's lockfile and built (only @remotemedia/grpc-server and
// what it depends on) once; a marker file there makes later runs reuse it. Anything that goes wrong is
// printed and the first-wave scenarios are skipped: the rest of the bench never fails for it.
// Env: CAPACITY_FIRST_WAVE=0 skips it; CAPACITY_FIRST_WAVE_COMMIT=<commit-ish> builds another commit.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The server "today" in issue 22: the parent of the first capacity commit. */
export const FIRST_WAVE_COMMIT = 'b99cfd4';
const PNPM = 'pnpm@10.34.8';
const MARKER = '.bench-first-wave-ready';

export interface FirstWaveApp {
  /** Full commit hash. */
  commit: string;
  /** Root of the extracted, built tree: the app's cwd. */
  dir: string;
  /** `<dir>/apps/grpc-server/dist/main.js`. */
  main: string;
}

const log = (line: string) => console.log(`first-wave: ${line}`);

/** Runs a command; rejects with the tail of its output when it fails. */
function exec(cmd: string, args: string[], cwd: string, stdin?: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (stdin) stdin.pipe(child.stdin!);
    let out = '';
    const keep = (b: Buffer) => (out = (out + b.toString()).slice(-8000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`\`${[cmd, ...args].join(' ')}\` exited with ${code ?? signal}:\n${out.trim().split('\n').slice(-20).join('\n')}`)),
    );
  });
}

/** `git archive <commit> | tar -x -C <dir>`. */
async function extract(root: string, commit: string, dir: string): Promise<void> {
  const git = spawn('git', ['archive', '--format=tar', commit], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  git.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const gitDone = new Promise<void>((resolve, reject) => {
    git.once('error', reject);
    git.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`git archive ${commit} exited with ${code}: ${err.trim()}`))));
  });
  await Promise.all([exec('tar', ['-x', '-C', dir], dir, git.stdout), gitDone]);
}

/**
 * The first-wave app, extracted and built on first use, else reused from .cache/bench-first-wave/.
 * undefined (with the reason printed) when it is switched off or cannot be prepared.
 */
export async function prepareFirstWave(root: string): Promise<FirstWaveApp | undefined> {
  if (process.env.CAPACITY_FIRST_WAVE === '0') {
    log('skipped (CAPACITY_FIRST_WAVE=0)');
    return undefined;
  }
  const wanted = process.env.CAPACITY_FIRST_WAVE_COMMIT || FIRST_WAVE_COMMIT;
  let commit: string;
  try {
    commit = (await exec('git', ['rev-parse', '--verify', '--quiet', `${wanted}^{commit}`], root)).trim();
  } catch {
    log(`commit ${wanted} is not in this clone's history (a shallow clone? \`git fetch --unshallow\`): first-wave scenarios skipped`);
    return undefined;
  }
  const dir = join(root, '.cache', 'bench-first-wave', commit);
  const main = join(dir, 'apps', 'grpc-server', 'dist', 'main.js');
  const marker = join(dir, MARKER);
  if (existsSync(marker) && existsSync(main)) {
    log(`reusing the app of ${commit.slice(0, 9)} built ${(JSON.parse(readFileSync(marker, 'utf8')) as { builtAt?: string }).builtAt ?? '?'} (${dir})`);
    return { commit, dir, main };
  }
  const t0 = performance.now();
  const took = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  try {
    log(`preparing the app of ${commit.slice(0, 9)} in ${dir} (once; later runs reuse it)`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await extract(root, commit, dir);
    log(`extracted; installing (${PNPM} install --frozen-lockfile --prefer-offline)`);
    await exec('npx', ['--yes', PNPM, 'install', '--frozen-lockfile', '--prefer-offline'], dir);
    log(`installed after ${took()}; building @remotemedia/grpc-server and its workspace dependencies`);
    await exec('npx', ['--yes', PNPM, '--filter', '@remotemedia/grpc-server...', 'run', 'build'], dir);
    if (!existsSync(main)) throw new Error(`the build left no ${main}`);
    writeFileSync(marker, `${JSON.stringify({ commit, builtAt: new Date().toISOString(), node: process.version })}\n`);
    log(`ready after ${took()}`);
    return { commit, dir, main };
  } catch (error) {
    log(`could not prepare the app of ${commit.slice(0, 9)} (${took()}), first-wave scenarios skipped: ${(error as Error).message}`);
    return undefined;
  }
}
