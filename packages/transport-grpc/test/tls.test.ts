import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from '@remotemedia/runtime-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createGrpcPipelineClient } from '../src/index.js';
import { TOKEN, passThrough, startServer } from './helpers.js';

/** A throwaway self-signed certificate for 127.0.0.1 (needs the `openssl` CLI, see scripts/system-packages.txt). */
function selfSigned() {
  const dir = mkdtempSync(join(tmpdir(), 'rm-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
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
      const [out] = await client.executeUnary(passThrough(), [text(`over tls (${protocol})`)]);
      expect(out!.data).toEqual(text(`over tls (${protocol})`));
      await client.close();
    }
    const untrusting = createGrpcPipelineClient({ baseUrl: ctx.url, token: TOKEN });
    await expect(untrusting.executeUnary(passThrough(), [text('x')])).rejects.toThrow(/certificate/i);
    await untrusting.close();
  });
});
