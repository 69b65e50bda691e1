import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@remotemedia/test-support';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, createDemoServer } from '../src/demo-server.js';

const CHROMIUM = '/usr/bin/chromium';
const speechWav = fileURLToPath(new URL('../../../fixtures/audio/speech-48k-stereo.wav', import.meta.url));
const TOKEN = 'demo-token-0123456789';

if (!existsSync(CHROMIUM)) console.warn(`SKIPPED browser demo test: ${CHROMIUM} is missing (apt-get install chromium; listed in scripts/system-packages.txt)`);

describe.skipIf(!existsSync(CHROMIUM))('web demo in headless Chromium (fake microphone from the speech fixture)', () => {
  let server: DemoServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await createDemoServer({ authTokens: [TOKEN] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${speechWav}`,
        // Offer loopback ICE candidates so media stays on 127.0.0.1.
        '--allow-loopback-in-peer-connection',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('streams the microphone to the VAD pipeline and shows speech events live', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?autostart=1&pipeline=vad&token=${TOKEN}`);
    await page.waitForFunction(() => window.demoState === 'live' || window.demoState === 'error', undefined, { timeout: 20_000 });
    expect(await page.evaluate(() => window.demoState), (await page.textContent('#status')) ?? '').toBe('live');
    expect(server.webrtc.stats().sessions).toBe(1);
    // The fixture's first utterance starts 0.6 s in and ends ~4.1 s in.
    await page.waitForFunction(() => window.speechEvents.some((e) => e.speechEnd), undefined, { timeout: 20_000 });
    const events = await page.evaluate(() => window.speechEvents);
    expect(events.filter((e) => e.speechStart).length).toBeGreaterThanOrEqual(1);
    expect(Number(await page.textContent('#count'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#events li.start').count()).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);

    // Closing the page makes the peer vanish: the server tears its session down.
    await page.close();
    await waitUntil(() => server.webrtc.stats().sessions === 0, {
      what: "the closed page's session torn down",
      timeoutMs: 10_000,
      intervalMs: 100,
      observe: () => server.webrtc.stats(),
    });
  });

  it('rejects a page without the token', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}?autostart=1`);
    await page.waitForFunction(() => window.demoState === 'error', undefined, { timeout: 15_000 });
    expect(await page.textContent('#status')).toContain('error');
    await page.close();
  });
});
