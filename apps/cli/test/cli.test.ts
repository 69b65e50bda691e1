import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '@remotemedia/runtime-core';
import { startApp } from '@remotemedia/test-support';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const main = join(repo, 'apps/cli/src/main.ts');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', main, ...args], { cwd: repo, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = mkdtempSync(join(tmpdir(), 'rm-cli-'));

describe('remotemedia CLI', () => {
  it('run: prints every output', () => {
    const r = cli('run', 'examples/calculator.yaml', '--json', '1', '2', '3');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['[double] 12', '[double] 14', '[double] 16']);
  });

  it('run --output writes JSON lines', () => {
    const out = join(tmp, 'out.jsonl');
    const r = cli('run', 'examples/calculator.yaml', '--json', '5', '--output', out);
    expect(r.code).toBe(0);
    expect(
      readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).data),
    ).toEqual([{ kind: 'json', value: 20 }]);
  });

  it('run streams a WAV file through the pipeline and writes a WAV', () => {
    const manifest = join(tmp, 'gain.yaml');
    writeFileSync(manifest, 'version: v1\nmetadata: { name: pass }\nnodes:\n  - { id: p, nodeType: PassThrough }\n');
    const samples = new Float32Array(16000).map((_, i) => Math.sin(i / 10) * 0.5);
    const input = join(tmp, 'in.wav');
    writeFileSync(input, encodeWav({ kind: 'audio', samples, sampleRate: 16000, channels: 1 }, { format: 'float32' }));
    const output = join(tmp, 'out.wav');
    const r = cli('run', manifest, '--input', input, '--output', output);
    expect(r.code, r.err).toBe(0);
    const back = decodeWav(new Uint8Array(readFileSync(output)));
    expect(back.sampleRate).toBe(16000);
    expect(back.samples.length).toBe(samples.length);
    expect(Math.max(...back.samples.map((v, i) => Math.abs(v - samples[i])))).toBeLessThan(1e-3);
  });

  it('run --output x.wav writes one WAV per utterance and the VAD events as JSON lines', () => {
    const output = join(tmp, 'utterances.wav');
    const r = cli('run', 'examples/vad.yaml', '--input', 'fixtures/audio/speech-48k-stereo.wav', '--output', output, '--split-audio');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('wrote 3 audio file(s)');
    for (const n of ['001', '002', '003']) expect(decodeWav(new Uint8Array(readFileSync(join(tmp, `utterances-${n}.wav`)))).sampleRate).toBe(16000);
    const events = readFileSync(join(tmp, 'utterances.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).data.value);
    expect(events.filter((e) => e.speechStart).length).toBe(3);
  });

  it('--python-module makes Python node types available to manifests (TS -> Python -> TS)', () => {
    const r = cli('--python-module', 'examples/python-node/nodes/example_nodes.py', 'run', 'examples/python-node/pipeline.yaml', '--json', '1', '2');
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['[times-ten] 40', '[times-ten] 90']);
    expect(cli('--python-module', 'examples/python-node/nodes/example_nodes.py', 'nodes').out).toMatch(/^Square\s/m);
  });

  it('validate: ok, and every problem listed with a non-zero exit', () => {
    expect(cli('validate', 'examples/calculator.yaml')).toMatchObject({ code: 0 });
    const bad = join(tmp, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        version: 'v1',
        metadata: { name: 'b' },
        nodes: [{ id: 'a', nodeType: 'Calculator', params: { operation: 'pow', operand: 1 } }],
        connections: [{ from: 'a', to: 'vad' }],
      }),
    );
    const r = cli('validate', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nodes[0].params.operation: expected one of add, subtract, multiply, divide, got "pow"');
    expect(r.err).toContain('connections[0].to: unknown node "vad"');
  });

  it('nodes: lists node types, --json includes params schemas', () => {
    expect(cli('nodes').out).toMatch(/^Calculator\s+Applies/m);
    const nodes = JSON.parse(cli('nodes', '--json').out) as Array<{ type: string; paramsJsonSchema: object }>;
    expect(nodes.find((n) => n.type === 'PassThrough')?.paramsJsonSchema).toMatchObject({ type: 'object' });
    expect(nodes.find((n) => n.type === 'AudioChunker')?.paramsJsonSchema).toMatchObject({ type: 'object', properties: { ms: { type: 'number' } } });
  });

  it('user errors are one clear line and a non-zero exit, never a stack trace', () => {
    const notWav = join(tmp, 'fake.wav');
    writeFileSync(notWav, 'this is not audio');
    for (const [args, expected] of [
      [['run', 'nope.yaml'], 'manifest file not found: nope.yaml'],
      [['run', 'examples/calculator.yaml', '--input', notWav], 'fake.wav'],
      [['run', 'examples/calculator.yaml', '--json', '{oops'], '--json value 1 is not valid JSON'],
      [['run', 'examples/calculator.yaml', '--text', 'abc'], 'Calculator expects a number, got "abc"'],
    ] as const) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain(expected);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('remotemedia CLI: operator options and RemotePipeline', () => {
  const example = (p: string) => join(repo, 'examples/operator', p);
  const cliAsync = (...argsAndEnv: (string | Record<string, string>)[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const env = argsAndEnv.find((a): a is Record<string, string> => typeof a === 'object') ?? {};
      const args = argsAndEnv.filter((a): a is string => typeof a === 'string');
      const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', main, ...args], {
        cwd: repo,
        env: { ...process.env, ...env },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, out, err }));
    });

  it('--nodes and --python-module (or --config) add the operator node types to run and validate', () => {
    const r = cli(
      '--nodes',
      example('nodes/shout.ts'),
      '--python-module',
      example('python/operator_nodes.py'),
      'run',
      example('pipelines/shout-reverse.yaml'),
      '--text',
      'hello',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe('[reverse] !OLLEH');
    // The config names a token env var for its remote endpoint: unset, it is a config error.
    expect(cli('--config', example('remotemedia.yaml'), 'validate', example('pipelines/shout-reverse.yaml'))).toMatchObject({ code: 2 });
    process.env.TTS_TOKEN = 'cli-test-token';
    try {
      const withConfig = cli('--config', example('remotemedia.yaml'), 'validate', example('pipelines/shout-reverse.yaml'));
      expect(withConfig.code, withConfig.err).toBe(0);
    } finally {
      delete process.env.TTS_TOKEN;
    }
    const without = cli('validate', example('pipelines/shout-reverse.yaml'));
    expect(without.code).toBe(1);
    expect(without.err).toContain('unknown node type "Shout"');
  });

  it('a bad config is exit 2 naming the file and key', () => {
    const bad = join(tmp, 'bad-config.yaml');
    writeFileSync(bad, 'python:\n  modules: 5\n');
    const r = cli('--config', bad, 'nodes');
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: python.modules: expected a list of strings, got 5`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('validate knows RemotePipeline: params checked, nested manifests fetched (cycles named), unreachable ones reported', async () => {
    const bad = join(tmp, 'remote-bad.yaml');
    writeFileSync(
      bad,
      'version: v1\nmetadata: { name: r }\nnodes:\n  - { id: r, nodeType: RemotePipeline, params: { endpoint: "http://x:1", transport: carrier-pigeon, manifest: { pipeline: tts } } }\n',
    );
    const badRun = cli('validate', bad);
    expect(badRun.code).toBe(1);
    expect(badRun.err).toContain('nodes[0].params.transport: expected one of grpc, http, webrtc');

    // Two manifests that name each other: a cycle, named; a third host that does not answer: reported, not fatal.
    const served = createServer((req, res) => {
      const self = `http://127.0.0.1:${(served.address() as AddressInfo).port}`;
      const next = req.url === '/a.yaml' ? 'b.yaml' : 'a.yaml';
      res
        .writeHead(200, { 'content-type': 'application/yaml' })
        .end(
          `version: v1\nmetadata: { name: ${req.url} }\nnodes:\n  - { id: r, nodeType: RemotePipeline, params: { endpoint: "http://x:1", manifestUrl: "${self}/${next}" } }\n`,
        );
    });
    await new Promise<void>((r) => served.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(served.address() as AddressInfo).port}`;
    try {
      const cycle = join(tmp, 'remote-cycle.yaml');
      writeFileSync(
        cycle,
        `version: v1\nmetadata: { name: c }\nnodes:\n  - { id: r, nodeType: RemotePipeline, params: { endpoint: "http://x:1", manifestUrl: "${base}/a.yaml" } }\n`,
      );
      const r = await cliAsync('validate', cycle);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain(`remote pipelines form a cycle: ${base}/a.yaml -> ${base}/b.yaml -> ${base}/a.yaml`);

      const unreachable = join(tmp, 'remote-unreachable.yaml');
      writeFileSync(
        unreachable,
        'version: v1\nmetadata: { name: u }\nnodes:\n  - { id: r, nodeType: RemotePipeline, params: { endpoint: "http://x:1", manifestUrl: "http://127.0.0.1:1/tts.yaml" } }\n',
      );
      const u = await cliAsync('validate', unreachable);
      expect(u.code, u.err).toBe(0);
      expect(u.err).toContain('warning: nested manifest http://127.0.0.1:1/tts.yaml not checked');
      expect(u.out).toContain('ok (1 nodes');
    } finally {
      served.close();
    }
  }, 60_000);

  it('run delegates to a real server with RemotePipeline (its named pipeline), the token from the environment', async () => {
    const tts = await startApp(
      ['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--python-module', example('python/operator_nodes.py'), '--pipelines', example('tts-pipelines')],
      { GRPC_AUTH_TOKENS: 'cli-tts-token' },
    );
    try {
      const manifest = join(tmp, 'remote-run.yaml');
      writeFileSync(
        manifest,
        `version: v1\nmetadata: { name: remote-run }\nnodes:\n  - { id: shout, nodeType: Shout }\n  - { id: tts, nodeType: RemotePipeline, params: { endpoint: "${tts.url}", manifest: { pipeline: tts }, authToken: "\${CLI_TTS_TOKEN}", retry: { maxRetries: 0 } } }\nconnections:\n  - { from: shout, to: tts }\n`,
      );
      const r = await cliAsync('--nodes', example('nodes/shout.ts'), 'run', manifest, '--text', 'hey', { CLI_TTS_TOKEN: 'cli-tts-token' });
      expect(r.code, r.err).toBe(0);
      // "HEY!": four characters of 50 ms each, made by ToyTTS on the server.
      expect(r.out.trim()).toBe('[tts] audio 16000 Hz x1, 0.200 s');
      const denied = await cliAsync('--nodes', example('nodes/shout.ts'), 'run', manifest, '--text', 'hey', { CLI_TTS_TOKEN: 'wrong' });
      expect(denied.code).toBe(1);
      expect(denied.err).toMatch(/unauthenticated|token/i);
    } finally {
      tts.child.kill('SIGTERM');
      await tts.exit;
    }
  }, 60_000);
});
