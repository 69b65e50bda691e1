import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, createPipelineCatalog, loadOperatorConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rm-server-config-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const thrown = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('did not throw');
};

describe('loadOperatorConfig', () => {
  it('defaults: nothing of the operator, no remote endpoint, no manifest-chosen Python', () => {
    expect(loadOperatorConfig({ env: {} })).toEqual({
      configFile: undefined,
      server: {},
      nodes: [],
      python: { modules: [], pythonPath: [], warmProcesses: 0, maxMemoryMb: 2048, maxProcesses: 64, allowManifestCode: false },
      pipelines: undefined,
      models: {},
      remote: { endpoints: [], manifestHosts: [] },
    });
  });

  it('flag over env over file; python module names stay names, paths become absolute', () => {
    const f = file('prec.yaml', 'python:\n  modules: [my_pkg.nodes, ./local.py]\n  warmProcesses: 1\n');
    expect(loadOperatorConfig({ flags: { config: f }, env: {} }).python).toMatchObject({ modules: ['my_pkg.nodes', join(dir, 'local.py')], warmProcesses: 1 });
    expect(loadOperatorConfig({ flags: { config: f }, env: { REMOTEMEDIA_PYTHON_WARM_PROCESSES: '2' } }).python.warmProcesses).toBe(2);
    expect(loadOperatorConfig({ flags: { config: f, pythonWarmProcesses: '3' }, env: { REMOTEMEDIA_PYTHON_WARM_PROCESSES: '2' } }).python.warmProcesses).toBe(
      3,
    );
    expect(loadOperatorConfig({ env: { REMOTEMEDIA_CONFIG: f } }).configFile).toBe(f);
  });

  it('errors name the source, the key path and the expected value', () => {
    expect(thrown(() => loadOperatorConfig({ flags: { pythonWarmProcesses: '-1' }, env: {} })).message).toBe(
      '--python-warm-processes: python.warmProcesses: expected an integer >= 0, got "-1"',
    );
    expect(thrown(() => loadOperatorConfig({ env: { REMOTEMEDIA_ALLOW_MANIFEST_PYTHON: 'maybe' } })).message).toBe(
      'env REMOTEMEDIA_ALLOW_MANIFEST_PYTHON: python.allowManifestCode: expected true or false, got "maybe"',
    );
    expect(thrown(() => loadOperatorConfig({ flags: { model: ['no-equals'] }, env: {} })).message).toContain('--model: models: expected name=path');
    expect(thrown(() => loadOperatorConfig({ flags: { remoteEndpoint: ['http://a:1'], remoteTokenEnv: ['http://b:1=TOKEN'] }, env: {} })).message).toContain(
      'expected an endpoint that is also allowed (http://a:1), got "http://b:1"',
    );
    const bad = file('bad.yaml', 'remote:\n  endpoints:\n    - url: http://a:1\n      tokenEnv: "lower case"\n');
    expect(thrown(() => loadOperatorConfig({ flags: { config: bad }, env: {} })).message).toBe(
      `${bad}: remote.endpoints[0].tokenEnv: expected an environment variable name like TTS_TOKEN, got "lower case"`,
    );
    const nested = file('nested.yaml', 'python:\n  modulez: []\n');
    expect(thrown(() => loadOperatorConfig({ flags: { config: nested }, env: {} })).message).toBe(
      `${nested}: python.modulez: expected one of the known keys (modules, pythonPath, warmProcesses, maxMemoryMb, maxProcesses, allowManifestCode), got unknown key "modulez"`,
    );
    expect(thrown(() => loadOperatorConfig({ flags: { config: join(dir, 'missing.yaml') }, env: {} })).message).toBe(
      `${join(dir, 'missing.yaml')}: (file): expected a readable YAML or JSON file, got ENOENT`,
    );
  });
});

describe('createPipelineCatalog', () => {
  it('a file that does not parse at start is a ConfigError naming it; reload keeps the previous version of a broken file', () => {
    const pipes = mkdtempSync(join(tmpdir(), 'rm-catalog-'));
    writeFileSync(join(pipes, 'a.yaml'), 'version: v1\nmetadata: { name: a }\nnodes: [{ id: p, nodeType: PassThrough }]\n');
    writeFileSync(join(pipes, 'README.md'), 'not a manifest');
    const catalog = createPipelineCatalog(pipes);
    expect(catalog.names()).toEqual(['a']);
    expect(JSON.parse(catalog.get('a') as string)).toMatchObject({ metadata: { name: 'a' } });
    expect(catalog.get('toString')).toBeUndefined();
    writeFileSync(join(pipes, 'a.yaml'), 'nodes: [unclosed');
    writeFileSync(join(pipes, 'b.json'), '{"version":"v1","metadata":{"name":"b"},"nodes":[]}');
    expect(catalog.reload()).toEqual(['a', 'b']);
    expect(JSON.parse(catalog.get('a') as string)).toMatchObject({ metadata: { name: 'a' } });
    const error = thrown(() => createPipelineCatalog(pipes));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`${join(pipes, 'a.yaml')}: pipelines: expected a valid manifest`);
    expect(thrown(() => createPipelineCatalog(join(pipes, 'nope'))).message).toContain('expected a readable directory of manifests, got ENOENT');
  });
});
