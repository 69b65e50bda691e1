import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebRtcServer, createWebRtcServer } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const peerScript = fileURLToPath(new URL('./helpers/vanishing-peer.ts', import.meta.url));

describe('a peer that disappears mid-stream', () => {
  let server: WebRtcServer;
  const runner = createNodeRunner();
  beforeAll(async () => {
    server = await createWebRtcServer({ pipeline: runner });
  });
  afterAll(() => server.close());

  it('gets its session closed and its resources freed', async () => {
    const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', peerScript, server.signalingUrl], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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
    await waitUntil(() => server.stats().sessions === 0 && runner.activeSessionCount === 0, {
      what: "the vanished peer's session freed",
      timeoutMs: 10_000,
      observe: () => ({ ...server.stats(), runnerSessions: runner.activeSessionCount }),
    });
    expect(server.stats()).toEqual({ peers: 0, sessions: 0, signalingConnections: 0 });
  }, 40_000);
});
