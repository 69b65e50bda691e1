import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { text } from '@remotemedia/runtime-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createGrpcPipelineClient } from '../src/index.js';
import { TOKEN, passThrough, startServer } from './helpers.js';

/** A throwaway self-signed certificate for 127.0.0.1 (needs the `openssl` CLI, see scripts/system-packages.txt). */
function selfSigned() {
  const dir = mkdtempSync(join(tmpdir(), 'rm-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const pair = { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  rmSync(dir, { recursive: true, force: true });
  return pair;
}

describe('TLS', () => {
  const tls = selfSigned();
  let ctx: Awaited<ReturnType<typeof startServer>> | undefined;
  afterAll(async () => {
    await ctx?.server.close();
  });

  it('serves gRPC over TLS when a cert and key are configured; clients must trust the CA', async () => {
    ctx = await startServer({ tls });
    expect(ctx.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    for (const protocol of ['grpc', 'grpc-web', 'connect'] as const) {
      const client = createGrpcPipelineClient({ baseUrl: ctx.url, token: TOKEN, protocol, ca: tls.cert });
      const [out] = await client.execute(passThrough(), [text(`over tls (${protocol})`)]);
      expect(out.data).toEqual(text(`over tls (${protocol})`));
      await client.close();
    }
    const untrusting = createGrpcPipelineClient({ baseUrl: ctx.url, token: TOKEN });
    await expect(untrusting.execute(passThrough(), [text('x')])).rejects.toThrow(/certificate/i);
    await untrusting.close();
  });

  it('closes sockets that never finish the handshake or drip HTTP/1.1 headers; keeps serving HTTP/1.1 requests', async () => {
    const slow = await startServer({ tls, timeouts: { headersTimeoutMs: 300 } });
    try {
      const closed = (socket: net.Socket) => new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const silent = net.connect(slow.port, '127.0.0.1');
      silent.on('error', () => {});
      const h1 = tlsConnect({ port: slow.port, host: '127.0.0.1', ca: tls.cert, ALPNProtocols: ['http/1.1'] });
      h1.on('error', () => {});
      const headers = `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(2000)}`;
      let i = 0;
      const drip = setInterval(() => h1.writable && h1.write(headers[i++ % headers.length]), 20);
      await Promise.all([closed(silent), closed(h1)]);
      clearInterval(drip);
      // A complete HTTP/1.1 request on a keep-alive connection is answered.
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port: slow.port, path: '/metrics', ca: tls.cert, headers: { authorization: `Bearer ${TOKEN}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      await slow.server.close();
    }
  });
});
