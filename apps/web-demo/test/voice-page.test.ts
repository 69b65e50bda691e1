// The voice page in headless Chromium, end to end: the fake microphone plays WAV files the
// project's own TTS made; the server runs pipelines/voice-loop.yaml (RNNoise, Silero, PocketSphinx,
// Responder, flite); the page shows the transcript and gets the reply as a WebRTC audio track.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AudioData, encodeWav, parseManifestText } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, createDemoServer } from '../src/demo-server.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_SPHINX = existsSync('/usr/share/pocketsphinx/model/en-us/en-us.lm.bin') && existsSync('/usr/lib/python3/dist-packages/pocketsphinx');
const TOKEN = 'voice-token-0123456789';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

if (!existsSync(CHROMIUM) || !HAVE_SPHINX)
  console.warn('SKIPPED voice page test: needs chromium, python3-pocketsphinx and pocketsphinx-en-us (scripts/system-packages.txt)');

/** Speech made by our TextToSpeech node, 48 kHz mono, with silences between the parts. */
async function synthesize(parts: (string | number)[]): Promise<Uint8Array> {
  const runner = createNodeRunner();
  try {
    const chunks: Float32Array[] = [];
    for (const p of parts) {
      if (typeof p === 'number') chunks.push(new Float32Array(Math.round(48 * p)));
      else {
        const out = await runner.execute(
          { version: 'v1', metadata: { name: 'say' }, nodes: [{ id: 'tts', nodeType: 'TextToSpeech', params: { sampleRate: 48000 } }] },
          [{ kind: 'text', text: p }],
        );
        for (const o of out) chunks.push((o.data as AudioData).samples);
      }
    }
    const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) all.set(c, (o += c.length) - c.length);
    return encodeWav({ kind: 'audio', samples: all, sampleRate: 48000, channels: 1 }, { format: 'pcm16' });
  } finally {
    await runner.shutdown();
  }
}

describe('pipelines/voice-loop.yaml', () => {
  it('is the same pipeline as examples/voice-loop.yaml', () => {
    const a = parseManifestText(readFileSync(here('../pipelines/voice-loop.yaml'), 'utf8'));
    const b = parseManifestText(readFileSync(here('../../../examples/voice-loop.yaml'), 'utf8'));
    expect(a).toEqual(b);
  });
});

describe.skipIf(!existsSync(CHROMIUM) || !HAVE_SPHINX)('voice page in headless Chromium (fake microphone plays speech our TTS made)', () => {
  let server: DemoServer;
  const browsers: Browser[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'voice-page-'));

  const launch = async (wav: string): Promise<Browser> => {
    const b = await chromium.launch({
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
        '--autoplay-policy=no-user-gesture-required',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
        '--allow-loopback-in-peer-connection',
      ],
    });
    browsers.push(b);
    return b;
  };
  const open = async (b: Browser): Promise<{ page: Page; errors: string[] }> => {
    const page = await b.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?autostart=1&token=${TOKEN}`);
    await page.waitForFunction(() => window.demoState === 'live' || window.demoState === 'error', undefined, { timeout: 20_000 });
    expect(await page.evaluate(() => window.demoState), (await page.textContent('#status')) ?? '').toBe('live');
    return { page, errors };
  };

  beforeAll(async () => {
    server = await createDemoServer({ authTokens: [TOKEN] });
  }, 60_000);
  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => {});
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hears the question, shows the transcript words and plays the reply audio', async () => {
    const wav = join(dir, 'question.wav');
    // The fake microphone loops the file; the leading silence covers connection set-up.
    writeFileSync(wav, await synthesize([2500, 'Hello, how are you?', 9000]));
    const { page, errors } = await open(await launch(wav));
    await page.waitForFunction(() => window.voice.transcripts.some((t) => t.text.length > 0), undefined, { timeout: 25_000 });
    const transcript = await page.evaluate(() => window.voice.transcripts.find((t) => t.text)!.text);
    expect(transcript).toContain('hello');
    expect(await page.locator('#chat li.user').first().textContent()).toContain('hello');
    // The reply: text on the page, then audio on the WebRTC track until the reply has ended.
    await page.waitForFunction(() => window.voice.replies.some((r) => r.state === 'done'), undefined, { timeout: 15_000 });
    expect(await page.evaluate(() => window.voice.replyTexts[0])).toBe('Hello! How can I help you?');
    expect(await page.locator('#chat li.bot').first().textContent()).toContain('How can I help you');
    await page.waitForFunction(() => window.voice.replyAudio.energy > 0.01, undefined, { timeout: 5_000 });
    const reply = await page.evaluate(() => window.voice.replies[0]);
    expect(reply.audioMs!).toBeGreaterThan(1200); // the whole reply was sent (about 1.7 s)
    expect(await page.locator('#timeline .seg.user').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#timeline .seg.bot').count()).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('speaking over the reply cuts it', async () => {
    const wav = join(dir, 'barge-in.wav');
    // The reply lasts ~3 s; "stop" comes 1.6 s after the question ends, while it plays.
    writeFileSync(wav, await synthesize([2500, 'What is the weather like today?', 1600, 'Stop, stop.', 12000]));
    const { page, errors } = await open(await launch(wav));
    await page.waitForFunction(() => window.voice.replies.some((r) => r.state === 'interrupted'), undefined, { timeout: 30_000 });
    const replies = await page.evaluate(() => window.voice.replies);
    const cut = replies.find((r) => r.state === 'interrupted')!;
    expect(cut).toBe(replies[0]);
    // Whatever the recogniser heard, the reply was cut well short of its whole length.
    const whole = (await synthesize([cut.text])).length / 2 / 48; // ms (16-bit samples at 48 kHz)
    expect(whole).toBeGreaterThan(1500);
    expect(cut.audioMs!).toBeLessThan(whole - 500);
    expect(await page.evaluate(() => window.voice.replyAudio.energy)).toBeGreaterThan(0); // some of it played
    expect(await page.locator('#chat li.bot.cut').count()).toBe(1);
    expect(await page.locator('#timeline .seg.bot.cut').count()).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
    await page.close();
    await waitUntil(() => server.webrtc.stats().sessions === 0, {
      what: "the closed page's session torn down",
      timeoutMs: 10_000,
      intervalMs: 100,
      observe: () => server.webrtc.stats(),
    });
  });
});
