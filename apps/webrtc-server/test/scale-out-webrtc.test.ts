// Two real webrtc-server processes behind a real nginx on loopback (deploy/nginx/remotemedia.conf's
// /signaling rule): peers' signalling WebSockets spread over both, every session of a peer runs on
// the replica its signalling connection reached, media goes straight to that replica, and every
// output arrives.
import { json } from '@remotemedia/runtime-core';
import { type AppProcess, type Nginx, nginxAvailable, startApp, startNginx, webrtcConfig } from '@remotemedia/test-support';
import { createWebRtcPipelineClient } from '@remotemedia/transport-webrtc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const manifest = { version: 'v1' as const, metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] };

async function sessionsOn(app: AppProcess): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return Number(/^remotemedia_webrtc_sessions (\d+)/m.exec(text)?.[1]);
}

const run = nginxAvailable() ? describe : describe.skip;

run('WebRTC peers through nginx across two webrtc-servers', () => {
  const apps: AppProcess[] = [];
  let nginx: Nginx;
  beforeAll(async () => {
    apps.push(...(await Promise.all([0, 1].map(() => startApp(['--bind', '127.0.0.1:0', '--allow-inline-manifests', 'true'], {}, 'webrtc-server')))));
    nginx = await startNginx((dir, port) => webrtcConfig(dir, port, apps.map((a, i) => ({ name: `webrtc-${i}`, port: a.port }))));
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    for (const a of apps) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  });

  it('peers spread over both replicas; each peer\'s two sessions run where its signalling landed; every output arrives', async () => {
    const clients = Array.from({ length: 4 }, () => createWebRtcPipelineClient({ signalingUrl: `ws://127.0.0.1:${nginx.port}/signaling` }));
    try {
      const perPeer: number[][] = [];
      const sessions = [];
      for (const client of clients) {
        const before = await Promise.all(apps.map(sessionsOn));
        const pair = [await client.openSession({ manifest }), await client.openSession({ manifest })];
        const after = await Promise.all(apps.map(sessionsOn));
        perPeer.push(after.map((n, i) => n - before[i]!));
        sessions.push(...pair);
      }
      // Both sessions of a peer on one replica, and peers on both replicas.
      for (const delta of perPeer) expect(delta.sort()).toEqual([0, 2]);
      const totals = await Promise.all(apps.map(sessionsOn));
      expect(totals.every((n) => n >= 2)).toBe(true);
      expect(totals[0]! + totals[1]!).toBe(8);
      for (const [n, session] of sessions.entries()) {
        await session.send(json(n));
        const out = await session.recv();
        expect(out?.data).toEqual({ kind: 'json', value: n });
      }
      for (const session of sessions) await session.close();
    } finally {
      for (const client of clients) await client.close();
    }
  }, 90_000);
});
