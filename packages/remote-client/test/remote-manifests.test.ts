import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ManifestInput, createPipelineRunner, json } from '@remotemedia/runtime-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRemoteDependencies, createManifestFetcher, createRemotePipelineNode } from '../src/index.js';
import { createFleet } from './helpers/in-memory-fleet.js';

// A real HTTP server on a loopback port serving manifests by path.
const served = new Map<string, string>();
const hits = new Map<string, number>();
const seenAuth: (string | undefined)[] = [];
let server: Server;
let base: string;
let host: string;

const remote = (name: string, nested: Record<string, unknown>[] = []): string =>
  JSON.stringify({
    version: 'v1',
    metadata: { name },
    nodes: [
      { id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } },
      ...nested.map((params, i) => ({ id: `r${i}`, nodeType: 'RemotePipeline', params: { endpoint: 'x', ...params } })),
    ],
    connections: nested.map((_, i) => ({ from: i === 0 ? 'add' : `r${i - 1}`, to: `r${i}` })),
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    seenAuth.push(req.headers.authorization);
    const body = served.get(req.url!);
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': body.startsWith('{') ? 'application/json' : 'application/yaml' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  served.set('/add.json', remote('add'));
  served.set(
    '/add.yaml',
    'version: v1\nmetadata: { name: add-yaml }\nnodes:\n  - id: add\n    nodeType: Calculator\n    params: { operation: add, operand: 10 }\n',
  );
  served.set('/a.json', remote('a', [{ manifestUrl: `${base}/b.json` }]));
  served.set('/b.json', remote('b', [{ manifest: JSON.parse(remote('inner', [{ manifestUrl: `${base}/a.json` }])) }]));
  served.set('/broken.json', '{ "version": ');
  for (let i = 0; i < 12; i++) served.set(`/deep${i}.json`, remote(`deep${i}`, [{ manifestUrl: `${base}/deep${i + 1}.json` }]));
  served.set('/deep12.json', remote('deep12'));
  served.set('/pipelines/named', remote('named'));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('remote manifests', () => {
  it('fetches over HTTP (JSON and YAML), caches with a TTL, sends the auth header', async () => {
    const fetcher = createManifestFetcher({ allowedHosts: [host], ttlMs: 60_000 });
    const m = (await fetcher.fetch(`${base}/add.json`, { authorization: 'Bearer t0k' })) as { metadata: { name: string } };
    expect(m.metadata.name).toBe('add');
    await fetcher.fetch(`${base}/add.json`, { authorization: 'Bearer t0k' });
    expect(hits.get('/add.json')).toBe(1);
    expect(seenAuth).toContain('Bearer t0k');
    expect(((await fetcher.fetch(`${base}/add.yaml`)) as { metadata: { name: string } }).metadata.name).toBe('add-yaml');

    const shortLived = createManifestFetcher({ allowedHosts: [host], ttlMs: 1 });
    await shortLived.fetch(`${base}/add.json`);
    await new Promise((r) => setTimeout(r, 5)); // kept: outlives ttlMs (1), the expiry under test
    await shortLived.fetch(`${base}/add.json`);
    expect(hits.get('/add.json')).toBe(3);
  });

  it('refuses hosts that are not configured, without a request', async () => {
    const before = [...hits.values()].reduce((a, b) => a + b, 0);
    await expect(createManifestFetcher().fetch(`${base}/add.json`)).rejects.toMatchObject({ reason: 'ManifestFetchFailed', code: 7 });
    await expect(createManifestFetcher({ allowedHosts: ['config.internal'] }).fetch(`${base}/add.json`)).rejects.toThrow(/not in allowedManifestHosts/);
    expect([...hits.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });

  it('reports 404, unparseable manifests and unreachable hosts as ManifestFetchFailed', async () => {
    const fetcher = createManifestFetcher({ allowedHosts: ['*'] });
    await expect(fetcher.fetch(`${base}/missing.json`)).rejects.toMatchObject({ reason: 'ManifestFetchFailed', code: 5 });
    await expect(fetcher.fetch(`${base}/broken.json`)).rejects.toMatchObject({ reason: 'ManifestFetchFailed', code: 3 });
    await expect(fetcher.fetch('http://127.0.0.1:1/x.json')).rejects.toMatchObject({ reason: 'ManifestFetchFailed', code: 14 });
  });

  it('detects a cycle across fetched and inline manifests and names it', async () => {
    const fetcher = createManifestFetcher({ allowedHosts: [host] });
    const error = await checkRemoteDependencies({ kind: 'url', url: `${base}/a.json` }, { fetcher }).catch((e) => e);
    expect(error).toMatchObject({ reason: 'CircularDependency', code: 9 });
    expect(error.message).toContain(`${base}/a.json -> ${base}/b.json -> inline "inner" -> ${base}/a.json`);
  });

  it('stops nesting deeper than 10', async () => {
    const fetcher = createManifestFetcher({ allowedHosts: [host] });
    await expect(checkRemoteDependencies({ kind: 'url', url: `${base}/deep0.json` }, { fetcher })).rejects.toMatchObject({ reason: 'RemoteDepthExceeded' });
    await expect(checkRemoteDependencies({ kind: 'url', url: `${base}/deep3.json` }, { fetcher })).resolves.toBeDefined();
  });

  it('the node runs a fetched manifest (manifestUrl and pipelineName + manifestEndpoint) and fails a cyclic one', async () => {
    const fleet = createFleet(['a']);
    const definition = createRemotePipelineNode({ clientFactories: { grpc: fleet.factory }, allowedManifestHosts: [host], env: { MANIFEST_TOKEN: 'm1' } });
    const runner = createPipelineRunner({ nodes: [definition] });
    const local = (params: Record<string, unknown>): ManifestInput => ({
      version: 'v1',
      metadata: { name: 'local' },
      nodes: [{ id: 'remote', nodeType: 'RemotePipeline', params: { endpoint: 'a', authToken: 'secret', healthCheck: { enabled: false }, ...params } }],
    });
    const out = await runner.execute(local({ manifestUrl: `${base}/add.json`, manifestHeaders: { authorization: 'Bearer ${MANIFEST_TOKEN}' } }), [json(1)]);
    expect(out.map((o) => (o.data as { value: number }).value)).toEqual([11]);
    expect(seenAuth).toContain('Bearer m1');
    const named = await runner.execute(local({ pipelineName: 'named', manifestEndpoint: `${base}/pipelines` }), [json(2)]);
    expect(named.map((o) => (o.data as { value: number }).value)).toEqual([12]);
    await expect(runner.execute(local({ manifestUrl: `${base}/a.json` }), [json(1)])).rejects.toMatchObject({ reason: 'CircularDependency' });
    await definition.close();
  });
});
