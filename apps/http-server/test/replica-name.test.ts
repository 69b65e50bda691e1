// The replica name: where it comes from (flag, env, host name), what it may be, and that session ids carry it.
import { defaultReplicaName, parseReplicaName } from '@remotemedia/server-config';
import { createServerRunner } from '@remotemedia/runtime-core/node';
import { createHttpServer, replicaOfSessionId } from '@remotemedia/transport-http';
import { describe, expect, it } from 'vitest';
import { parseServerConfig, toServerOptions } from '../src/server-config.js';

describe('replica name', () => {
  it('flag over HTTP_REPLICA_NAME over REMOTEMEDIA_REPLICA_NAME over the host name', () => {
    expect(parseServerConfig(['--replica-name', 'a-1'], { HTTP_REPLICA_NAME: 'b', REMOTEMEDIA_REPLICA_NAME: 'c' }).replicaName).toBe('a-1');
    expect(parseServerConfig([], { HTTP_REPLICA_NAME: 'b', REMOTEMEDIA_REPLICA_NAME: 'c' }).replicaName).toBe('b');
    expect(parseServerConfig([], { REMOTEMEDIA_REPLICA_NAME: 'c' }).replicaName).toBe('c');
    expect(parseServerConfig([], {}).replicaName).toBe(defaultReplicaName({}));
    expect(toServerOptions(parseServerConfig(['--replica-name', 'r_2'], {}))).toMatchObject({ replicaName: 'r_2' });
  });

  it('the host name default keeps what a name may hold: up to the first dot, other characters as -', () => {
    expect(defaultReplicaName({}, 'remotemedia-http-0')).toBe('remotemedia-http-0');
    expect(defaultReplicaName({}, 'web-1.example.internal')).toBe('web-1');
    expect(defaultReplicaName({}, 'box@lab')).toBe('box-lab');
    expect(defaultReplicaName({}, '')).toBe('replica');
  });

  it('refuses names a balancer could not route by', () => {
    for (const bad of ['', 'a.b', '-a', 'a/b', 'x'.repeat(64), 'a b']) {
      expect(() => parseReplicaName(bad)).toThrow(/replica name must be/);
      expect(() => parseServerConfig(['--replica-name', bad], {})).toThrow(/replica name must be/);
      expect(() => createHttpServer({ pipeline: createServerRunner(), replicaName: bad })).toThrow(/invalid replicaName/);
    }
  });

  it('session ids are <replica>.<uuid> and every answer names the replica; without a name, plain UUIDs', async () => {
    const named = createHttpServer({ pipeline: createServerRunner(), bindAddress: '127.0.0.1:0', replicaName: 'east-2' });
    const plain = createHttpServer({ pipeline: createServerRunner(), bindAddress: '127.0.0.1:0' });
    try {
      const manifest = { version: 'v1', metadata: { name: 'p' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] };
      const create = async (url: string) => {
        const res = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ manifest }) });
        return { id: ((await res.json()) as { sessionId: string }).sessionId, replica: res.headers.get('x-remotemedia-replica') };
      };
      const a = await create((await named.listen()).url);
      expect(a.id).toMatch(/^east-2\.[0-9a-f-]{36}$/);
      expect(a.replica).toBe('east-2');
      expect(replicaOfSessionId(a.id)).toBe('east-2');
      expect((await fetch(`${named.url}/v1/sessions/${a.id}`)).status).toBe(200);
      const b = await create((await plain.listen()).url);
      expect(b.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(b.replica).toBeNull();
      expect(replicaOfSessionId(b.id)).toBeUndefined();
    } finally {
      await named.close({ graceMs: 0 });
      await plain.close({ graceMs: 0 });
    }
  });
});
