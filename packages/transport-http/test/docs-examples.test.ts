import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { type HttpServer, createHttpServer } from '@remotemedia/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const docPath = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/http-api.md');
const blocks = [...readFileSync(docPath, 'utf8').matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);

function runBash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `set -euo pipefail\n${script}`], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('docs/http-api.md curl examples run for real', () => {
  let server: HttpServer;
  let url: string;
  beforeAll(async () => {
    server = createHttpServer({ pipeline: createNodeRunner(), authTokens: ['secret'], port: 0, host: '127.0.0.1' });
    ({ url } = await server.listen());
  });
  afterAll(() => server.close({ graceMs: 500 }));

  it('the doc has examples', () => expect(blocks.length).toBeGreaterThanOrEqual(8));

  blocks.forEach((block, i) => {
    const expectations = [...block.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
    it(`example ${i + 1}: ${block.split('\n')[0].slice(0, 60)}`, async () => {
      const result = await runBash(block, { RM_URL: url, RM_TOKEN: 'secret' });
      expect(result.code, result.stderr).toBe(0);
      expect(expectations.length, 'each example states what it prints').toBeGreaterThan(0);
      for (const e of expectations) expect(result.stdout).toContain(e);
    });
  });
});
