import { describe, expect, it } from 'vitest';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { createServerRunner, toNodeLogger } from '@remotemedia/runtime-core/node';

const manifest = {
  version: 'v1',
  metadata: { name: 'untrusted' },
  nodes: [{ id: 'p', nodeType: 'PassThrough' }],
  settings: { python: { modules: ['/tmp/anything.py'], env: { EVIL: '1' } } },
} as const;

describe('createServerRunner', () => {
  it('refuses manifests that choose Python code, unless the operator allows it', async () => {
    const error = await createServerRunner()
      .execute(manifest, [{ kind: 'text', text: 'x' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).code).toBe(Code.InvalidArgument);
    expect((error as RemoteMediaError).details.map((d) => d.path)).toEqual(expect.arrayContaining(['settings.python.modules', 'settings.python.env']));
    const allowed = createServerRunner({ allowManifestPython: true }).validate(manifest);
    expect(allowed.problems.some((p) => p.path === 'settings.python.modules')).toBe(false);
  });

  it('adapts pino-style loggers', () => {
    const seen: unknown[] = [];
    const log = toNodeLogger({ debug() {}, info: (fields, message) => seen.push([fields, message]), warn() {}, error() {} });
    log.info('hello', { a: 1 });
    expect(seen).toEqual([[{ a: 1 }, 'hello']]);
  });
});
