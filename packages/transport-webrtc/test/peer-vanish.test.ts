import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebRtcServer, createWebRtcServer } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const peerScript = fileURLToPath(new URL('./helpers/vanishing-peer.ts', import.meta.url));

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return predicate();
}

describe('a peer that disappears mid-stream', () => {
  let server: WebRtcServer;
  const runner = createNodeRunner();
  beforeAll(async () => {
    server = await createWebRtcServer({ pipeline: runner });
  });
  afterAll(() => server.close());

  it('gets its session closed and its resources freed', async () => {
    const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', peerScript, server.signalingUrl], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const streaming = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('streaming')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`peer process exited early with ${code}`)));
      setTimeout(() => reject(new Error('peer process did not start streaming within 20 s')), 20_000);
    });
    expect(streaming).toMatch(/^streaming /);
    expect(server.stats()).toMatchObject({ sessions: 1, peers: 1 });
    expect(runner.activeSessionCount).toBe(1);

    child.kill('SIGKILL'); // no goodbye: no close message, no peer.disconnect
    expect(await until(() => server.stats().sessions === 0 && runner.activeSessionCount === 0, 10_000), JSON.stringify(server.stats())).toBe(true);
    expect(server.stats()).toEqual({ peers: 0, sessions: 0, signalingConnections: 0 });
  }, 40_000);
});
