import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTAINER_LABEL, type ContainerEngine, detectEngine } from '@remotemedia/runtime-core/node';

const here = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const runtimeCore = join(ROOT, 'packages/runtime-core');
const version = JSON.parse(readFileSync(join(runtimeCore, 'package.json'), 'utf8')).version as string;

/** The SDK image (packages/runtime-core/container) and the test image built FROM it. */
export const SDK_IMAGE = `localhost/remotemedia-python:${version}`;
export const TEST_IMAGE = `localhost/remotemedia-python-test:${version}`;

/** The container engine of this host, or why there is none (then the container tests skip, saying so). */
export async function findEngine(): Promise<{ engine?: ContainerEngine; why?: string }> {
  try {
    return { engine: await detectEngine() };
  } catch (error) {
    return { why: (error as Error).message };
  }
}

// Test files build in parallel: one at a time (mkdir is atomic), the later ones reuse the images.
function withLock<T>(fn: () => T): T {
  const lock = join(tmpdir(), 'remotemedia-container-test-images.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true }); // a crashed builder's
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for another test file to build the container images');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmdirSync(lock);
  }
}

/** Builds the SDK image offline when its SDK changed, then the test image (nodes + an image-only module) FROM it. */
export function buildImages(engine: ContainerEngine): void {
  withLock(() => {
    const sdk = spawnSync(process.execPath, [join(runtimeCore, 'container/build-image.mjs'), '--if-changed', '--engine', engine.bin, '--tag', SDK_IMAGE], {
      encoding: 'utf8',
    });
    if (sdk.status !== 0) throw new Error(`building ${SDK_IMAGE} failed:\n${sdk.stderr}\n${sdk.stdout}`);
    const context = mkdtempSync(join(tmpdir(), 'rm-test-image-'));
    try {
      for (const f of ['Containerfile', 'container_nodes.py', 'rm_image_only.py']) copyFileSync(join(here, 'fixtures', f), join(context, f));
      copyFileSync(join(runtimeCore, 'test/python/fixtures/test_nodes.py'), join(context, 'test_nodes.py'));
      const r = spawnSync(engine.bin, ['build', '--pull=false', '--build-arg', `BASE=${SDK_IMAGE}`, '-t', TEST_IMAGE, context], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`building ${TEST_IMAGE} failed:\n${r.stderr}`);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });
}

/** Names of the containers labelled as RemoteMedia's on this engine (all owners). */
export function labelledContainers(engine: ContainerEngine): string[] {
  const out = execFileSync(engine.bin, [...engine.globalArgs, 'ps', '-a', '--filter', `label=${CONTAINER_LABEL}`, '--format', '{{.Names}}'], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}
