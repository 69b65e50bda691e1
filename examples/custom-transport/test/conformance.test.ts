import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describeTransportConformance } from '@remotemedia/runtime-core/testing';
import { describe, expect, it } from 'vitest';
import { createStdioClient } from '../src/stdio-client.js';
import { serveStdio } from '../src/stdio-server.js';

// The ~80-line example transport meets the same contract as gRPC, HTTP and WebRTC.
describeTransportConformance('custom stdio JSON lines (example)', {
  async start({ pipeline, authTokens }) {
    const pairs: Array<{ toServer: PassThrough }> = [];
    return {
      client(token) {
        const toServer = new PassThrough();
        const toClient = new PassThrough();
        void serveStdio({ pipeline, authTokens, input: toServer, output: toClient });
        pairs.push({ toServer });
        return createStdioClient({ readable: toClient, writable: toServer, token });
      },
      async close() {
        for (const p of pairs) p.toServer.end();
      },
    };
  },
});

describe('custom stdio transport as a real child process', () => {
  it('runs Calculator over the pipes of a spawned server', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', main], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, STDIO_TOKENS: 's3cret' },
    });
    const client = createStdioClient({ readable: child.stdout, writable: child.stdin, token: 's3cret' });
    const manifest = {
      version: 'v1',
      metadata: { name: 'calc' },
      nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } }],
    } as const;
    const outs = await client.execute(
      structuredClone(manifest),
      [1, 2, 3].map((value) => ({ kind: 'json', value }) as const),
    );
    expect(outs.map((o) => o.data)).toEqual([6, 7, 8].map((value) => ({ kind: 'json', value })));
    await client.close();
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });
});
