// Issue 16: the servers users run carry the operator's own nodes, pipelines and remote delegation.
// Real processes on loopback (the apps from source), real python3.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code, RemoteMediaError, text } from '@remotemedia/runtime-core';
import { loadOperatorConfig } from '@remotemedia/server-config';
import { createGrpcPipelineClient } from '@remotemedia/transport-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGrpcAppConfig } from '../src/server-config.js';
import { type AppProcess, runApp, startApp } from '@remotemedia/test-support';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const example = (p: string) => join(repo, 'examples/operator', p);
const TOKEN = 'operator-test-token-0123456789';
const TTS_TOKEN = 'tts-token-0123456789';

const shoutReverse = {
  version: 'v1' as const,
  metadata: { name: 'inline-shout-reverse' },
  nodes: [
    { id: 'shout', nodeType: 'Shout', params: { suffix: '?' } },
    { id: 'reverse', nodeType: 'Reverse' },
  ],
  connections: [{ from: 'shout', to: 'reverse' }],
};

const textOf = (outputs: { data: unknown }[]) => outputs.map((o) => (o.data as { text?: string }).text);

async function postJson(url: string, body: unknown, token = TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const apps: AppProcess[] = [];
afterAll(() => {
  for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGKILL');
});

describe('operator configuration on the server apps (real processes, python3)', () => {
  let grpc: AppProcess;
  let http: AppProcess;
  let tts: AppProcess;
  // A listener standing in for a host the operator did not allow: it must never see a connection.
  let trap: Server;
  let trapConnections = 0;

  beforeAll(async () => {
    trap = createServer((s) => {
      trapConnections++;
      s.destroy();
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    // The pipelines directory of these servers holds only shout-reverse (examples/operator/pipelines also has
    // speak.yaml, whose endpoint these servers do not allow: such a directory is refused at start, see below).
    const pipelines = mkdtempSync(join(tmpdir(), 'rm-operator-pipelines-'));
    writeFileSync(join(pipelines, 'shout-reverse.yaml'), readFileSync(example('pipelines/shout-reverse.yaml')));
    const operatorFlags = ['--nodes', example('nodes/shout.ts'), '--python-module', example('python/operator_nodes.py'), '--pipelines', pipelines];
    // The TTS server: a second gRPC server with the Python TTS node and its named pipeline "tts".
    // Each app is remembered as soon as it is up, so afterAll stops it even when another fails to start.
    const started = (app: AppProcess) => (apps.push(app), app);
    [tts, grpc] = await Promise.all([
      startApp(
        ['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--python-module', example('python/operator_nodes.py'), '--pipelines', example('tts-pipelines')],
        { GRPC_AUTH_TOKENS: TTS_TOKEN },
      ).then(started),
      startApp(['--bind', '127.0.0.1:0', '--metrics-port', '-1', ...operatorFlags], { GRPC_AUTH_TOKENS: TOKEN }).then(started),
    ]);
    http = await startApp(
      ['--bind', '127.0.0.1:0', ...operatorFlags, '--remote-endpoint', tts.url, '--remote-token-env', `${tts.url}=TTS_TOKEN`],
      { HTTP_AUTH_TOKENS: TOKEN, TTS_TOKEN },
      'http-server',
    );
    apps.push(http);
  }, 90_000);
  afterAll(async () => {
    await new Promise<void>((r) => trap?.close(() => r()));
  });

  it('gRPC: a client manifest runs the operator TS node and Python node together; the same manifest over HTTP', async () => {
    expect(grpc.logs.find((l) => l.msg === 'ready')).toMatchObject({ nodes: ['Shout'], pipelines: ['shout-reverse'] });
    const client = createGrpcPipelineClient({ baseUrl: grpc.url, token: TOKEN });
    try {
      expect(textOf(await client.execute(shoutReverse, [text('hello'), text('abc')]))).toEqual(['?OLLEH', '?CBA']);
      // Streaming too, on the same server.
      const session = await client.stream(shoutReverse);
      await session.send(text('stream'));
      await session.end();
      const got: string[] = [];
      for await (const out of session.outputs) got.push((out.data as { text: string }).text);
      expect(got).toEqual(['?MAERTS']);
    } finally {
      await client.close();
    }
    const overHttp = await postJson(`${http.url}/v1/execute`, { manifest: shoutReverse, inputs: [{ kind: 'text', text: 'hello' }] });
    expect(overHttp.status, JSON.stringify(overHttp.body)).toBe(200);
    expect(textOf(overHttp.body.outputs as { data: unknown }[])).toEqual(['?OLLEH']);
  }, 60_000);

  it('a client manifest that chooses Python code (settings.python.modules) is refused on both servers', async () => {
    const sneaky = { ...shoutReverse, settings: { python: { modules: ['os'] } } };
    const client = createGrpcPipelineClient({ baseUrl: grpc.url, token: TOKEN });
    try {
      const error = await client.execute(sneaky, [text('x')]).then(
        () => undefined,
        (e: unknown) => e as RemoteMediaError,
      );
      expect(error).toBeInstanceOf(RemoteMediaError);
      expect([Code.PermissionDenied, Code.InvalidArgument]).toContain(error!.code);
      expect(error!.message).toMatch(/modules/);
    } finally {
      await client.close();
    }
    const overHttp = await postJson(`${http.url}/v1/execute`, { manifest: sneaky, inputs: [{ kind: 'text', text: 'x' }] });
    expect([400, 403]).toContain(overHttp.status);
    expect(JSON.stringify(overHttp.body)).toMatch(/modules/);
  }, 30_000);

  it('a named pipeline runs by name over gRPC and HTTP; an unknown name is NotFound naming it', async () => {
    const client = createGrpcPipelineClient({ baseUrl: grpc.url, token: TOKEN });
    try {
      expect(textOf(await client.execute({ pipeline: 'shout-reverse' } as never, [text('named')]))).toEqual(['!DEMAN']);
      // As YAML text too (the manifest field of the gRPC request is JSON or YAML text).
      expect(textOf(await client.execute('pipeline: shout-reverse', [text('yaml')]))).toEqual(['!LMAY']);
      const missing = await client.execute({ pipeline: 'nope' } as never, [text('x')]).then(
        () => undefined,
        (e: unknown) => e as RemoteMediaError,
      );
      expect(missing?.code).toBe(Code.NotFound);
      expect(missing?.message).toContain('"nope"');
    } finally {
      await client.close();
    }
    const byQuery = await fetch(`${http.url}/v1/execute?pipeline=shout-reverse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ inputs: [{ kind: 'text', text: 'query' }] }),
    });
    expect(byQuery.status).toBe(200);
    expect(textOf(((await byQuery.json()) as { outputs: { data: unknown }[] }).outputs)).toEqual(['!YREUQ']);
    const byRef = await postJson(`${http.url}/v1/execute`, { manifest: { pipeline: 'shout-reverse' }, inputs: [{ kind: 'text', text: 'ref' }] });
    expect(textOf(byRef.body.outputs as { data: unknown }[])).toEqual(['!FER']);
  }, 30_000);

  it('RemotePipeline on http-server delegates TTS to the allowed grpc-server with the operator token; another endpoint is refused and never contacted', async () => {
    const delegate = {
      version: 'v1',
      metadata: { name: 'local-shout-remote-tts' },
      nodes: [
        { id: 'shout', nodeType: 'Shout' },
        { id: 'tts', nodeType: 'RemotePipeline', params: { transport: 'grpc', endpoint: tts.url, manifest: { pipeline: 'tts' }, retry: { maxRetries: 0 } } },
      ],
      connections: [{ from: 'shout', to: 'tts' }],
    };
    const ok = await postJson(`${http.url}/v1/execute`, { manifest: delegate, inputs: [{ kind: 'text', text: 'hi' }] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const audio = (ok.body.outputs as { data: { kind: string; sampleRate: number } }[])[0].data;
    expect(audio).toMatchObject({ kind: 'audio', sampleRate: 16000, channels: 1 });
    // "HI!" is three characters: 3 x 50 ms at 16 kHz (float32, base64 in JSON), as ToyTTS made it on the TTS server.
    expect(Buffer.from((audio as unknown as { samples: string }).samples, 'base64').length).toBe(3 * 800 * 4);

    const trapUrl = `http://127.0.0.1:${(trap.address() as { port: number }).port}`;
    for (const params of [
      { endpoint: trapUrl, manifest: { pipeline: 'tts' } },
      { endpoints: [tts.url, trapUrl], manifest: { pipeline: 'tts' } },
      { endpoint: tts.url, manifest: { pipeline: 'tts' }, fallback: [{ endpoint: trapUrl }] },
    ]) {
      const refused = await postJson(`${http.url}/v1/execute`, {
        manifest: { ...delegate, nodes: [delegate.nodes[0], { id: 'tts', nodeType: 'RemotePipeline', params }] },
        inputs: [{ kind: 'text', text: 'hi' }],
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'invalid_argument' });
      expect(String(refused.body.message)).toContain(trapUrl);
      expect(String(refused.body.message)).toContain('not allowed');
    }
    // The same on the gRPC server, which allows no endpoint at all (the default).
    const client = createGrpcPipelineClient({ baseUrl: grpc.url, token: TOKEN });
    try {
      const error = await client
        .execute({ ...delegate, nodes: [delegate.nodes[0], { ...delegate.nodes[1], params: { endpoint: trapUrl, manifest: { pipeline: 'tts' } } }] } as never, [
          text('x'),
        ])
        .then(
          () => undefined,
          (e: unknown) => e as RemoteMediaError,
        );
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.message).toContain(trapUrl);
      expect(error?.message).toContain('none');
    } finally {
      await client.close();
    }
    // A manifest URL on a host the operator did not allow is PermissionDenied, and not fetched either.
    const fetched = await postJson(`${http.url}/v1/execute`, {
      manifest: {
        ...delegate,
        nodes: [delegate.nodes[0], { id: 'tts', nodeType: 'RemotePipeline', params: { endpoint: tts.url, manifestUrl: `${trapUrl}/tts.yaml` } }],
      },
      inputs: [{ kind: 'text', text: 'hi' }],
    });
    expect(fetched.status).toBe(403);
    expect(String(fetched.body.message)).toContain('not in allowedManifestHosts');
    expect(trapConnections).toBe(0);
  }, 60_000);

  it('a client manifest may not read the server environment into a RemotePipeline token', async () => {
    const manifest = {
      version: 'v1',
      metadata: { name: 'env' },
      nodes: [
        {
          id: 'tts',
          nodeType: 'RemotePipeline',
          params: { endpoint: tts.url, manifest: { pipeline: 'tts' }, authToken: '${TTS_TOKEN}', retry: { maxRetries: 0 } },
        },
      ],
    };
    const res = await postJson(`${http.url}/v1/execute`, { manifest, inputs: [{ kind: 'text', text: 'hi' }] });
    expect(res.status).toBe(400);
    expect(String(res.body.message)).toContain('TTS_TOKEN is not set');
  });
});

describe('operator configuration: config file and flags', () => {
  it('the config file and the equivalent flags give the same effective configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-operator-'));
    const file = join(dir, 'remotemedia.yaml');
    writeFileSync(
      file,
      [
        'server: { bind: "127.0.0.1:6001", authTokens: [a, b] }',
        `nodes: [${example('nodes/shout.ts')}]`,
        'python:',
        `  modules: [${example('python/operator_nodes.py')}]`,
        '  warmProcesses: 2',
        '  maxMemoryMb: 512',
        `pipelines: ${example('pipelines')}`,
        `models: { silero: ${join(repo, 'packages/runtime-core/models/silero_vad_v5.onnx')} }`,
        'remote:',
        '  endpoints: [{ url: "http://tts:50051", tokenEnv: TTS_TOKEN }, "http://asr:50051"]',
        '  manifestHosts: [config.internal:8080]',
      ].join('\n'),
    );
    const fromFile = parseGrpcAppConfig(['--config', file], {});
    const fromFlags = parseGrpcAppConfig(
      [
        '--bind',
        '127.0.0.1:6001',
        '--auth-tokens',
        'a,b',
        '--nodes',
        example('nodes/shout.ts'),
        '--python-module',
        example('python/operator_nodes.py'),
        '--python-warm-processes',
        '2',
        '--python-max-memory-mb',
        '512',
        '--pipelines',
        example('pipelines'),
        '--model',
        `silero=${join(repo, 'packages/runtime-core/models/silero_vad_v5.onnx')}`,
        '--remote-endpoint',
        'http://tts:50051',
        '--remote-endpoint',
        'http://asr:50051',
        '--remote-token-env',
        'http://tts:50051=TTS_TOKEN',
        '--remote-manifest-host',
        'config.internal:8080',
      ],
      {},
    );
    const { operator: a, ...restA } = fromFile;
    const { operator: b, ...restB } = fromFlags;
    expect(restA).toEqual(restB);
    expect({ ...a, configFile: undefined, server: {} }).toEqual({ ...b, configFile: undefined, server: {} });
    // And env vars say the same.
    const fromEnv = loadOperatorConfig({
      env: {
        REMOTEMEDIA_NODES: example('nodes/shout.ts'),
        REMOTEMEDIA_PYTHON_MODULES: example('python/operator_nodes.py'),
        REMOTEMEDIA_PYTHON_WARM_PROCESSES: '2',
        REMOTEMEDIA_PYTHON_MAX_MEMORY_MB: '512',
        REMOTEMEDIA_PIPELINES: example('pipelines'),
        REMOTEMEDIA_MODELS: `silero=${join(repo, 'packages/runtime-core/models/silero_vad_v5.onnx')}`,
        REMOTEMEDIA_REMOTE_ENDPOINTS: 'http://tts:50051,http://asr:50051',
        REMOTEMEDIA_REMOTE_TOKEN_ENV: 'http://tts:50051=TTS_TOKEN',
        REMOTEMEDIA_REMOTE_MANIFEST_HOSTS: 'config.internal:8080',
      },
    });
    expect({ ...fromEnv, server: {} }).toEqual({ ...b, configFile: undefined, server: {} });
    // Flags win over the file.
    expect(parseGrpcAppConfig(['--config', file, '--bind', '127.0.0.1:7000', '--python-warm-processes', '0'], {})).toMatchObject({
      bindAddress: '127.0.0.1:7000',
      operator: { python: { warmProcesses: 0 } },
    });
    // Relative paths in the file are relative to the file.
    writeFileSync(join(dir, 'rel.yaml'), 'pipelines: ./pipes\nnodes: [./n.mjs]\n');
    expect(loadOperatorConfig({ flags: { config: join(dir, 'rel.yaml') }, env: {} })).toMatchObject({
      pipelines: join(dir, 'pipes'),
      nodes: [join(dir, 'n.mjs')],
    });
  });

  it('a bad config stops the start with exit code 2 and one line naming the file, key path and expected value (every app)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-operator-bad-'));
    const cases: { file: string; text: string; expect: RegExp[] }[] = [
      { file: 'warm.yaml', text: 'python:\n  warmProcesses: many\n', expect: [/warm\.yaml: python\.warmProcesses: expected an integer >= 0, got "many"/] },
      { file: 'endpoint.yaml', text: 'remote:\n  endpoints: [ "not a url" ]\n', expect: [/endpoint\.yaml: remote\.endpoints\[0\]: expected/] },
      {
        file: 'unknown.yaml',
        text: 'pipeline: ./x\n',
        expect: [/unknown\.yaml: pipeline: expected one of the known keys .*pipelines/, /unknown key "pipeline"/],
      },
      { file: 'syntax.yaml', text: 'nodes: [unclosed\n', expect: [/syntax\.yaml: \(file\): expected valid YAML or JSON/] },
    ];
    for (const c of cases) writeFileSync(join(dir, c.file), c.text);
    const runs: { c: (typeof cases)[number]; app: string; r: Awaited<ReturnType<typeof runApp>> }[] = [];
    // Four processes at a time: the machine is shared.
    for (const app of ['grpc-server', 'http-server', 'webrtc-server'] as const) {
      runs.push(
        ...(await Promise.all(cases.map(async (c) => ({ c, app, r: await runApp(['--bind', '127.0.0.1:0', '--config', join(dir, c.file)], {}, app) })))),
      );
    }
    for (const { c, app, r } of runs) {
      expect(r.code, `${app} ${c.file}: ${r.stderr}`).toBe(2);
      for (const e of c.expect) expect(r.stderr, app).toMatch(e);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 180_000);

  it('a module that fails to import, a missing model file or a missing token env var: exit 2 naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-operator-mod-'));
    writeFileSync(join(dir, 'broken.mjs'), 'throw new Error("model weights missing");\n');
    writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'broken_nodes.py'), 'raise RuntimeError("cuda not available")\n');
    const [broken, empty, python, model, token] = await Promise.all([
      runApp(['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--nodes', join(dir, 'broken.mjs')]),
      runApp(['--bind', '127.0.0.1:0', '--nodes', join(dir, 'empty.mjs')], {}, 'http-server'),
      runApp(['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--python-module', join(dir, 'broken_nodes.py')]),
      runApp(['--bind', '127.0.0.1:0', '--model', `silero=${join(dir, 'nope.onnx')}`], {}, 'http-server'),
      runApp(['--bind', '127.0.0.1:0', '--remote-endpoint', 'http://tts:1', '--remote-token-env', 'http://tts:1=NOT_SET_ANYWHERE'], {}, 'webrtc-server'),
    ]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/nodes\[0\]: cannot import .*broken\.mjs: model weights missing/);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/empty\.mjs exports no node definitions/);
    expect(python.code, python.stderr).toBe(2);
    expect(python.stderr).toMatch(/python\.modules .*broken_nodes\.py[^]*RuntimeError: cuda not available/);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/models\.silero: expected an existing model file/);
    const pipelinesRefused = await runApp([
      '--bind',
      '127.0.0.1:0',
      '--metrics-port',
      '-1',
      '--nodes',
      example('nodes/shout.ts'),
      '--python-module',
      example('python/operator_nodes.py'),
      '--pipelines',
      example('pipelines'),
    ]);
    expect(pipelinesRefused.code).toBe(2);
    expect(pipelinesRefused.stderr).toMatch(/speak\.yaml: pipelines: expected a valid manifest[^]*endpoint .*http:\/\/127\.0\.0\.1:50177.* is not allowed/);
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/remote\.endpoints\[0\]\.tokenEnv: expected environment variable NOT_SET_ANYWHERE to be set/);
    for (const r of [broken, empty, python, model, token]) expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('named models', () => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startApp(['--bind', '127.0.0.1:0', '--config', example('remotemedia.yaml')], { HTTP_AUTH_TOKENS: TOKEN, TTS_TOKEN }, 'http-server');
    apps.push(app);
  }, 60_000);

  it('modelPath names an operator model; another name is InvalidArgument naming it, never a server path', async () => {
    expect(app.logs.find((l) => l.msg === 'ready')).toMatchObject({ pipelines: ['shout-reverse', 'speak', 'vad'] });
    const vad = (modelPath: string) => ({ version: 'v1', metadata: { name: 'vad' }, nodes: [{ id: 'vad', nodeType: 'SileroVAD', params: { modelPath } }] });
    const refused = await postJson(`${app.url}/v1/execute`, { manifest: vad('/etc/passwd'), inputs: [] });
    expect(refused.status).toBe(400);
    expect(String(refused.body.message)).toContain('model "/etc/passwd" is not one this server offers (models: silero)');
    const audio = { kind: 'audio', samples: Buffer.alloc(1600 * 4).toString('base64'), sampleRate: 16000, channels: 1 };
    const ok = await postJson(`${app.url}/v1/execute`, { manifest: vad('silero'), inputs: [audio] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(JSON.stringify(ok.body)).not.toContain('silero_vad_v5.onnx');
  }, 30_000);
});

describe('named pipelines are reloaded on change and on SIGHUP', () => {
  it('http-server picks up a new, changed and removed file by itself; grpc-server on SIGHUP; a broken file keeps the previous version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-reload-'));
    const calc = (operand: number) =>
      `version: v1\nmetadata: { name: calc }\nnodes:\n  - { id: c, nodeType: Calculator, params: { operation: add, operand: ${operand} } }\n`;
    writeFileSync(join(dir, 'calc.yaml'), calc(1));
    const started = (app: AppProcess) => (apps.push(app), app);
    const [http, grpc] = await Promise.all([
      startApp(['--bind', '127.0.0.1:0', '--pipelines', dir], { HTTP_AUTH_TOKENS: TOKEN }, 'http-server').then(started),
      startApp(['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--pipelines', dir], { GRPC_AUTH_TOKENS: TOKEN }).then(started),
    ]);
    const overHttp = async (name: string) => {
      const r = await postJson(`${http.url}/v1/execute`, { manifest: { pipeline: name }, inputs: [{ kind: 'json', value: 10 }] });
      return r.status === 200 ? (r.body.outputs as { data: { value: number } }[])[0].data.value : r.status;
    };
    const client = createGrpcPipelineClient({ baseUrl: grpc.url, token: TOKEN });
    const overGrpc = async (name: string) =>
      client.execute({ pipeline: name } as never, [{ kind: 'json', value: 10 }]).then(
        (o) => (o[0].data as { value: number }).value,
        (e: RemoteMediaError) => e.code,
      );
    try {
      expect(await overHttp('calc')).toBe(11);
      expect(await overGrpc('calc')).toBe(11);
      // Changed and added: the directory watch reloads.
      writeFileSync(join(dir, 'calc.yaml'), calc(2));
      writeFileSync(
        join(dir, 'more.json'),
        JSON.stringify({
          version: 'v1',
          metadata: { name: 'more' },
          nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'multiply', operand: 3 } }],
        }),
      );
      await expect.poll(() => overHttp('calc'), { timeout: 10_000 }).toBe(12);
      await expect.poll(() => overHttp('more'), { timeout: 10_000 }).toBe(30);
      // A file that no longer validates keeps its previous version (and the error is logged).
      writeFileSync(join(dir, 'calc.yaml'), 'version: v1\nmetadata: { name: calc }\nnodes:\n  - { id: c, nodeType: NoSuchNode }\n');
      await expect.poll(() => http.logs.some((l) => l.msg === 'pipeline not reloaded; keeping its previous version'), { timeout: 10_000 }).toBe(true);
      expect(await overHttp('calc')).toBe(12);
      // SIGHUP reloads too (gRPC server here); removed files are gone.
      writeFileSync(join(dir, 'calc.yaml'), calc(5));
      rmSync(join(dir, 'more.json'));
      grpc.child.kill('SIGHUP');
      await expect.poll(() => overGrpc('calc'), { timeout: 10_000 }).toBe(15);
      await expect.poll(() => overGrpc('more'), { timeout: 10_000 }).toBe(Code.NotFound);
      expect(grpc.child.exitCode).toBe(null);
      await expect.poll(() => overHttp('more'), { timeout: 10_000 }).toBe(404);
    } finally {
      await client.close();
    }
  }, 90_000);
});
