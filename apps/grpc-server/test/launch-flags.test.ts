// The V8 flags `pnpm start` runs the server with (a 64 MB young generation, and an old generation that
// starts at 128 MB so V8 does not mark-compact continuously while its free old space is smaller than
// the young generation; see README) must be the ones every deploy file starts it with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The `--flags` between `node` and the server's main script in a JSON-style command array. */
function flagsOfCommand(text: string, where: string): string[] {
  const m = /\["node", ((?:"--[^"]+", )*)"apps\/grpc-server\/dist\/main\.js"/.exec(text);
  if (!m) throw new Error(`${where}: no ["node", ..., "apps/grpc-server/dist/main.js"] command`);
  return [...m[1].matchAll(/"(--[^"]+)"/g)].map((f) => f[1]);
}

describe('the gRPC server launch flags', () => {
  const start = (JSON.parse(read('apps/grpc-server/package.json')) as { scripts: { start: string } }).scripts.start;
  const startFlags = /\bnode ((?:--\S+ )*)dist\/main\.js/.exec(start)![1].split(' ').filter(Boolean);

  it('pnpm start sizes both heap generations', () => {
    expect(startFlags).toEqual(['--max-semi-space-size=64', '--initial-old-space-size=128']);
  });

  it.each(['deploy/Dockerfile', 'deploy/compose.yaml', 'deploy/kubernetes/grpc-server.yaml'])('%s starts the server with the same flags', (file) => {
    expect(flagsOfCommand(read(file), file)).toEqual(startFlags);
  });
});
