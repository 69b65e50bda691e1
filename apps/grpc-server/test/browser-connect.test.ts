// Issue 16: browsers reach the gRPC server as they are. Over plain http:// a browser's fetch speaks
// HTTP/1.1; the port serves HTTP/1.1 and HTTP/2 (told apart by the HTTP/2 preface), so Connect and
// gRPC-Web calls from @connectrpc/connect-web work from a real Chromium, next to HTTP/2 clients.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { json } from '@remotemedia/runtime-core';
import { createGrpcPipelineClient } from '@remotemedia/transport-grpc';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, bundleForBrowser, launchChromium, type AppProcess, startApp } from '@remotemedia/test-support';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'browser-token-0123456789';

const manifest = JSON.stringify({
  version: 'v1',
  metadata: { name: 'calc' },
  nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } }],
});

describe('the gRPC port speaks HTTP/1.1 too (real process)', () => {
  let app: AppProcess;
  let browser: Browser | undefined;
  beforeAll(async () => {
    app = await startApp(['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--headers-timeout-ms', '2000'], { GRPC_AUTH_TOKENS: TOKEN });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (app && app.child.exitCode === null) app.child.kill('SIGKILL');
  });

  it('HTTP/1.1 Connect JSON and /metrics next to HTTP/2 gRPC on one port', async () => {
    const call = (path: string, body: string, headers: Record<string, string>) =>
      new Promise<{ status: number; version: string; body: string }>((resolve, reject) => {
        const req = request(
          `${app.url}${path}`,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, version: res.httpVersion, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const version = await call('/remotemedia.v1.PipelineExecutionService/GetVersion', '{}', {});
    expect(version).toMatchObject({ status: 200, version: '1.1' });
    expect(JSON.parse(version.body)).toMatchObject({ protocolVersion: 'v1' });
    const unauth = await call('/remotemedia.v1.PipelineExecutionService/GetVersion', '{}', { authorization: 'Bearer wrong' });
    expect(unauth.status).toBe(401);
    const metrics = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('remotemedia_grpc_requests_total');
    // HTTP/2 clients on the same port, as before.
    const client = createGrpcPipelineClient({ baseUrl: app.url, token: TOKEN });
    try {
      expect((await client.execute(manifest, [json(1)]))[0].data).toMatchObject({ kind: 'json', value: 6 });
    } finally {
      await client.close();
    }
  });

  it('sockets that send nothing, or HTTP/1.1 headers a byte at a time, are closed after headersTimeoutMs', async () => {
    const closedAfter = (bytes: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(app.port, '127.0.0.1');
        let out = '';
        let i = 0;
        const timer = setInterval(() => (i < bytes.length ? socket.write(bytes[i++]) : undefined), 300);
        socket.on('data', (d: Buffer) => (out += d.toString()));
        socket.on('error', reject);
        socket.on('close', () => {
          clearInterval(timer);
          resolve(out);
        });
      });
    // --headers-timeout-ms 2000: neither gets to keep its socket (the test's own timeout would fail it otherwise).
    const [silent, drip] = await Promise.all([closedAfter([]), closedAfter([...('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(40))])]);
    expect(silent).toBe('');
    expect(drip === '' || /^HTTP\/1.1 408/.test(drip)).toBe(true);
  }, 20_000);

  it.skipIf(!existsSync(CHROMIUM))(
    'Chromium calls it over http:// with @connectrpc/connect-web (Connect and gRPC-Web)',
    async () => {
      const bundle = await bundleForBrowser(
        `
          import { createClient } from '@connectrpc/connect';
          import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
          import { PipelineExecutionService } from '@remotemedia/protocol';
          window.callServer = async (token, manifest, baseUrl = location.origin) => {
            const headers = { authorization: 'Bearer ' + token };
            const results = {};
            for (const [name, transport] of [['connect', createConnectTransport({ baseUrl })], ['grpcweb', createGrpcWebTransport({ baseUrl })]]) {
              const client = createClient(PipelineExecutionService, transport);
              const version = await client.getVersion({}, { headers });
              const response = await client.executePipeline({ manifest, inputs: [{ data: { data: { case: 'json', value: { json: '1' } } } }] }, { headers });
              let denied = '';
              try { await client.getVersion({}, { headers: { authorization: 'Bearer wrong' } }); } catch (e) { denied = String(e.code); }
              results[name] = { protocolVersion: version.protocolVersion, output: response.outputs[0].data.data.value.json, denied };
            }
            return results;
          };`,
        join(repo, 'apps/grpc-server'),
      );
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // A document at the server's own origin (its 404 page, over HTTP/1.1), with the client bundle added to it.
      const landing = await page.goto(`${app.url}/`);
      expect(landing?.status()).toBe(404);
      await page.addScriptTag({ type: 'module', content: bundle });
      await page.waitForFunction(() => typeof (window as unknown as { callServer?: unknown }).callServer === 'function');
      const results = await page.evaluate(
        ([token, m]) => (window as unknown as { callServer(t: string, m: string): Promise<unknown> }).callServer(token, m),
        [TOKEN, manifest],
      );
      // Code 16: Unauthenticated.
      expect(results).toEqual({ connect: { protocolVersion: 'v1', output: '6', denied: '16' }, grpcweb: { protocolVersion: 'v1', output: '6', denied: '16' } });
      expect(errors).toEqual([]);

      // From another origin (http://localhost:<port> calling http://127.0.0.1:<port>): refused by the
      // browser without CORS; allowed with --cors-origins.
      const call = async (target: AppProcess) => {
        const other = await browser!.newPage();
        await other.goto(`http://localhost:${target.port}/`);
        await other.addScriptTag({ type: 'module', content: bundle });
        await other.waitForFunction(() => typeof (window as unknown as { callServer?: unknown }).callServer === 'function');
        const result = await other
          .evaluate(
            ([token, m, base]) => (window as unknown as { callServer(t: string, m: string, b: string): Promise<unknown> }).callServer(token, m, base),
            [TOKEN, manifest, target.url],
          )
          .catch((e: Error) => ({ error: e.message }));
        await other.close();
        return result;
      };
      expect(await call(app)).toMatchObject({ error: expect.stringMatching(/fetch/i) });
      const withCors = await startApp(['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--cors-origins', '*'], { GRPC_AUTH_TOKENS: TOKEN });
      try {
        expect(await call(withCors)).toEqual({
          connect: { protocolVersion: 'v1', output: '6', denied: '16' },
          grpcweb: { protocolVersion: 'v1', output: '6', denied: '16' },
        });
      } finally {
        withCors.child.kill('SIGTERM');
        await withCors.exit;
      }
    },
    90_000,
  );
});
