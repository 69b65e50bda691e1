// Two real webrtc-server processes behind a real nginx on loopback (deploy/nginx/remotemedia.conf's
// /signaling rule): peers' signalling WebSockets spread over both, every session of a peer runs on
// the replica its signalling connection reached, media goes straight to that replica, and every
// output arrives.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { json } from '@remotemedia/runtime-core';
import {
  CHROMIUM,
  bundleForBrowser,
  launchChromium,
  type AppProcess,
  type Nginx,
  nginxAvailable,
  startApp,
  startNginx,
  webrtcConfig,
} from '@remotemedia/test-support';
import { createWebRtcPipelineClient } from '@remotemedia/transport-webrtc';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));

const manifest = { version: 'v1' as const, metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] };

async function sessionsOn(app: AppProcess): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return Number(/^remotemedia_webrtc_sessions (\d+)/m.exec(text)?.[1]);
}

const run = nginxAvailable() ? describe : describe.skip;

run('WebRTC peers through nginx across two webrtc-servers', () => {
  const apps: AppProcess[] = [];
  let nginx: Nginx;
  let browser: Browser | undefined;
  beforeAll(async () => {
    apps.push(...(await Promise.all([0, 1].map(() => startApp(['--bind', '127.0.0.1:0', '--allow-inline-manifests', 'true'], {}, 'webrtc-server')))));
    nginx = await startNginx((dir, port) =>
      webrtcConfig(
        dir,
        port,
        apps.map((a, i) => ({ name: `webrtc-${i}`, port: a.port })),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
    for (const a of apps) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  });

  it("peers spread over both replicas; each peer's two sessions run where its signalling landed; every output arrives", async () => {
    const clients = Array.from({ length: 4 }, () => createWebRtcPipelineClient({ signalingUrl: `ws://127.0.0.1:${nginx.port}/signaling` }));
    try {
      const perPeer: number[][] = [];
      const sessions = [];
      for (const client of clients) {
        const before = await Promise.all(apps.map(sessionsOn));
        const pair = [await client.openSession({ manifest }), await client.openSession({ manifest })];
        const after = await Promise.all(apps.map(sessionsOn));
        perPeer.push(after.map((n, i) => n - before[i]));
        sessions.push(...pair);
      }
      // Both sessions of a peer on one replica, and peers on both replicas.
      for (const delta of perPeer) expect(delta.sort()).toEqual([0, 2]);
      const totals = await Promise.all(apps.map(sessionsOn));
      expect(totals.every((n) => n >= 2)).toBe(true);
      expect(totals[0] + totals[1]).toBe(8);
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

  it.skipIf(!existsSync(CHROMIUM))(
    'Chromium peers (connectPipeline) through the balancer land on both replicas and get every output',
    async () => {
      const bundle = await bundleForBrowser(
        `
          import { connectPipeline } from '@remotemedia/transport-webrtc/browser';
          const manifest = { version: 'v1', metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] };
          let sessions = [];
          window.openAll = async (n) => {
            sessions = await Promise.all(Array.from({ length: n }, () => connectPipeline({ signalingUrl: 'ws://' + location.host + '/signaling', manifest })));
            const got = [];
            for (const [i, s] of sessions.entries()) {
              await s.send({ kind: 'json', value: i });
              got.push((await s.recv()).data);
            }
            return got;
          };
          window.closeAll = async () => { for (const s of sessions) await s.close(); };`,
        appDir,
      );
      browser = await launchChromium(['--allow-loopback-in-peer-connection']);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // A document at the balancer's origin (a replica's /health through nginx), with the client bundle added.
      await page.goto(`${nginx.url}/health`);
      await page.addScriptTag({ type: 'module', content: bundle });
      await page.waitForFunction(() => typeof (window as unknown as { openAll?: unknown }).openAll === 'function');
      const before = await Promise.all(apps.map(sessionsOn));
      const got = await page.evaluate((n) => (window as unknown as { openAll(n: number): Promise<unknown[]> }).openAll(n), 4);
      expect(got).toEqual([0, 1, 2, 3].map((value) => ({ kind: 'json', value })));
      const during = await Promise.all(apps.map(sessionsOn));
      const added = during.map((n, i) => n - before[i]);
      expect(added[0] + added[1]).toBe(4);
      expect(
        added.every((n) => n >= 1),
        `sessions per replica ${added.join(', ')}`,
      ).toBe(true);
      await page.evaluate(() => (window as unknown as { closeAll(): Promise<void> }).closeAll());
      expect(errors).toEqual([]);
    },
    90_000,
  );
});
