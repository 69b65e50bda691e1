import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The operator configuration every server app (grpc-server, http-server, webrtc-server) and the
 * CLI share. Each setting comes from a flag, else its env var, else the config file
 * (`--config remotemedia.yaml`), else its default.
 */
export interface OperatorConfig {
  /** The config file read, absolute; undefined when none. */
  configFile: string | undefined;
  /** From the file's `server:` section; the apps' own flags and env vars win. */
  server: { bind?: string; authTokens?: string[]; logLevel?: string };
  /** JS/TS modules (absolute paths or package names) whose exported node definitions are registered. */
  nodes: string[];
  python: {
    /** Python modules (.py paths, absolute, or dotted names on pythonPath) whose `@register_node` types are served. */
    modules: string[];
    pythonPath: string[];
    /** Python processes kept started ahead with the modules imported. Default 0. */
    warmProcesses: number;
    /** Memory limit of each Python process, MiB (0: none). Default 2048. */
    maxMemoryMb: number;
    /** Python processes alive at once. Default 64. */
    maxProcesses: number;
    /** Let client manifests choose Python code (`settings.python.modules`...). Default false. */
    allowManifestCode: boolean;
  };
  /** Directory of named manifests (absolute), or undefined. */
  pipelines: string | undefined;
  /** Named model files: name -> absolute path. */
  models: Record<string, string>;
  remote: {
    /** Endpoints client manifests' RemotePipeline nodes may reach. Default: none. */
    endpoints: { url: string; tokenEnv?: string }[];
    /** Hosts (`host` or `host:port`) remote manifests may be fetched from. Default: none. */
    manifestHosts: string[];
  };
}

/** A configuration problem: where (file, flag or env var), which key, what was expected. Apps exit 2 on it. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly keyPath: string,
    readonly expected: string,
    readonly got?: unknown,
  ) {
    super(`${source}: ${keyPath}: expected ${expected}${got === undefined ? '' : `, got ${describe(got)}`}`);
    this.name = 'ConfigError';
  }
}

/** A `got` that is already a description (not a value to quote). */
export class Described {
  constructor(readonly text: string) {}
}

/** An operator module (node module, Python module) that fails to load: names it and its error. Apps exit 2 on it. */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

function describe(value: unknown): string {
  if (value instanceof Described) return value.text;
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

export interface OperatorOption {
  /** Commander flag syntax, e.g. `--nodes <module>`. */
  flags: string;
  /** The key commander stores it under (camelCase of the long flag). */
  attr: string;
  env: string;
  /** Key path in the config file. */
  key: string;
  description: string;
  /** Default, as documented. */
  defaultText: string;
  /** Repeatable flag; comma-separated in env. */
  repeatable?: boolean;
  kind: 'string' | 'list' | 'int' | 'bool' | 'models' | 'tokenEnv';
}

/** Every operator flag, its env var and config file key. The apps and the CLI register these same flags. */
export const OPERATOR_OPTIONS: readonly OperatorOption[] = [
  {
    flags: '--config <file>',
    attr: 'config',
    env: 'REMOTEMEDIA_CONFIG',
    key: '(the file)',
    description: 'operator configuration file (YAML or JSON)',
    defaultText: 'none',
    kind: 'string',
  },
  {
    flags: '--nodes <module>',
    attr: 'nodes',
    env: 'REMOTEMEDIA_NODES',
    key: 'nodes',
    description: 'JS/TS module whose exported node definitions are registered; repeatable',
    defaultText: 'none',
    repeatable: true,
    kind: 'list',
  },
  {
    flags: '--python-module <module>',
    attr: 'pythonModule',
    env: 'REMOTEMEDIA_PYTHON_MODULES',
    key: 'python.modules',
    description: 'Python module (.py path or dotted name) whose @register_node types are served; repeatable',
    defaultText: 'none',
    repeatable: true,
    kind: 'list',
  },
  {
    flags: '--python-path <dir>',
    attr: 'pythonPath',
    env: 'REMOTEMEDIA_PYTHON_PATH',
    key: 'python.pythonPath',
    description: 'directory added to sys.path of every Python process; repeatable',
    defaultText: 'none',
    repeatable: true,
    kind: 'list',
  },
  {
    flags: '--python-warm-processes <n>',
    attr: 'pythonWarmProcesses',
    env: 'REMOTEMEDIA_PYTHON_WARM_PROCESSES',
    key: 'python.warmProcesses',
    description: 'Python processes kept started ahead with the modules imported',
    defaultText: '0',
    kind: 'int',
  },
  {
    flags: '--python-max-memory-mb <n>',
    attr: 'pythonMaxMemoryMb',
    env: 'REMOTEMEDIA_PYTHON_MAX_MEMORY_MB',
    key: 'python.maxMemoryMb',
    description: 'memory limit of each Python process in MiB (0: none)',
    defaultText: '2048',
    kind: 'int',
  },
  {
    flags: '--python-max-processes <n>',
    attr: 'pythonMaxProcesses',
    env: 'REMOTEMEDIA_PYTHON_MAX_PROCESSES',
    key: 'python.maxProcesses',
    description: 'Python processes alive at once',
    defaultText: '64',
    kind: 'int',
  },
  {
    flags: '--allow-manifest-python [bool]',
    attr: 'allowManifestPython',
    env: 'REMOTEMEDIA_ALLOW_MANIFEST_PYTHON',
    key: 'python.allowManifestCode',
    description: 'let client manifests choose Python code (settings.python.modules, pythonPath, env); unsafe on a shared server',
    defaultText: 'false',
    kind: 'bool',
  },
  {
    flags: '--pipelines <dir>',
    attr: 'pipelines',
    env: 'REMOTEMEDIA_PIPELINES',
    key: 'pipelines',
    description: 'directory of named manifests (*.yaml, *.yml, *.json), run by name on every transport; reloaded on change and on SIGHUP',
    defaultText: 'none',
    kind: 'string',
  },
  {
    flags: '--model <name=path>',
    attr: 'model',
    env: 'REMOTEMEDIA_MODELS',
    key: 'models',
    description: 'a named model file that node params (modelPath) refer to by name; repeatable',
    defaultText: 'none',
    repeatable: true,
    kind: 'models',
  },
  {
    flags: '--remote-endpoint <url>',
    attr: 'remoteEndpoint',
    env: 'REMOTEMEDIA_REMOTE_ENDPOINTS',
    key: 'remote.endpoints',
    description: 'endpoint RemotePipeline nodes of client manifests may reach; repeatable',
    defaultText: 'none (no remote delegation)',
    repeatable: true,
    kind: 'list',
  },
  {
    flags: '--remote-token-env <url=VAR>',
    attr: 'remoteTokenEnv',
    env: 'REMOTEMEDIA_REMOTE_TOKEN_ENV',
    key: 'remote.endpoints[].tokenEnv',
    description: 'env var holding the bearer token sent to an allowed endpoint when the manifest gives none; repeatable',
    defaultText: 'none',
    repeatable: true,
    kind: 'tokenEnv',
  },
  {
    flags: '--remote-manifest-host <host>',
    attr: 'remoteManifestHost',
    env: 'REMOTEMEDIA_REMOTE_MANIFEST_HOSTS',
    key: 'remote.manifestHosts',
    description: 'host (host or host:port) remote manifests may be fetched from; repeatable',
    defaultText: 'none',
    repeatable: true,
    kind: 'list',
  },
];

/** `--flag (env X; default: Y)` help text of an operator option. */
export const optionHelp = (o: OperatorOption) =>
  `${o.description} (env ${o.env}${o.repeatable ? ', comma-separated' : ''}; file key ${o.key}; default: ${o.defaultText})`;

/** Commander argParser of an option: repeatable ones collect into a list. */
export const optionParser = (o: OperatorOption) => (o.repeatable ? (value: string, previous: string[] | undefined) => [...(previous ?? []), value] : undefined);

const expected = (what: string) => ({ error: `expected ${what}` });
const str = z.string(expected('a non-empty string')).min(1, expected('a non-empty string'));
const strList = z.array(str, expected('a list of strings'));
const nonNegInt = z.number(expected('an integer >= 0')).int(expected('an integer >= 0')).min(0, expected('an integer >= 0'));
const posInt = z.number(expected('an integer >= 1')).int(expected('an integer >= 1')).min(1, expected('an integer >= 1'));
const endpointUrl = z
  .string(expected('an absolute http(s) URL'))
  .refine((v) => /^(https?|wss?):\/\/[^/]/.test(v), expected('an absolute URL like http://10.0.0.5:50051'));
const envName = z.string(expected('an environment variable name')).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, expected('an environment variable name like TTS_TOKEN'));

/** The config file's schema (every key optional; unknown keys are errors). */
export const configFileSchema = z
  .object(
    {
      server: z
        .object(
          {
            bind: str.optional(),
            authTokens: strList.optional(),
            logLevel: z
              .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], expected('one of fatal, error, warn, info, debug, trace, silent'))
              .optional(),
          },
          expected('a mapping'),
        )
        .strict()
        .optional(),
      nodes: strList.optional(),
      python: z
        .object(
          {
            modules: strList.optional(),
            pythonPath: strList.optional(),
            warmProcesses: nonNegInt.optional(),
            maxMemoryMb: nonNegInt.optional(),
            maxProcesses: posInt.optional(),
            allowManifestCode: z.boolean(expected('true or false')).optional(),
          },
          expected('a mapping'),
        )
        .strict()
        .optional(),
      pipelines: str.optional(),
      models: z
        .record(
          z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, expected('a model name of letters, digits, "_", "." and "-"')),
          str,
          expected('a mapping of model names to files'),
        )
        .optional(),
      remote: z
        .object(
          {
            endpoints: z
              .array(
                z.union(
                  [endpointUrl, z.object({ url: endpointUrl, tokenEnv: envName.optional() }, expected('a URL or { url, tokenEnv }')).strict()],
                  expected('a URL or { url, tokenEnv }'),
                ),
                expected('a list of endpoints'),
              )
              .optional(),
            manifestHosts: strList.optional(),
          },
          expected('a mapping'),
        )
        .strict()
        .optional(),
    },
    expected('a mapping (YAML or JSON object)'),
  )
  .strict();

export type ConfigFile = z.output<typeof configFileSchema>;

const keyPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');

/** Reads and checks a config file; throws ConfigError naming the file, key path and expected value. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, '(file)', 'a readable YAML or JSON file', new Described((error as NodeJS.ErrnoException).code ?? (error as Error).message));
  }
  let raw: unknown;
  try {
    raw = text.trim() ? parseYaml(text, { maxAliasCount: 100 }) : {};
  } catch (error) {
    throw new ConfigError(path, '(file)', 'valid YAML or JSON', new Described((error as Error).message.split('\n')[0]));
  }
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    throw new ConfigError(
      path,
      keyPath([...issue.path, key]),
      `one of the known keys (${knownKeys(issue.path)})`,
      new Described(`unknown key ${JSON.stringify(key)}`),
    );
  }
  const got = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
  throw new ConfigError(path, keyPath(issue.path) || '(top level)', issue.message.replace(/^expected /, ''), got);
}

function knownKeys(path: readonly PropertyKey[]): string {
  const shape: Record<string, string[]> = {
    '': ['server', 'nodes', 'python', 'pipelines', 'models', 'remote'],
    server: ['bind', 'authTokens', 'logLevel'],
    python: ['modules', 'pythonPath', 'warmProcesses', 'maxMemoryMb', 'maxProcesses', 'allowManifestCode'],
    remote: ['endpoints', 'manifestHosts'],
  };
  const p = path.filter((k) => typeof k === 'string').join('.');
  return (shape[p] ?? ['url', 'tokenEnv']).join(', ');
}

/** Flag values as commander stores them (the `attr` of each OPERATOR_OPTIONS entry). */
export type OperatorFlags = Partial<Record<string, unknown>>;

export interface LoadOptions {
  flags?: OperatorFlags;
  env?: Readonly<Record<string, string | undefined>>;
  /** Relative paths of flags and env vars are resolved against this. Default `process.cwd()`. */
  cwd?: string;
}

const isPathLike = (v: string) => v.startsWith('.') || v.startsWith('/') || /\.(m?[jt]s|cjs|py)$/.test(v);

/**
 * The effective operator configuration: each key from its flag, else its env var, else the config
 * file, else the default. Relative paths are resolved against the config file's directory (file
 * values) or `cwd` (flags and env). Throws ConfigError on any bad value.
 */
export function loadOperatorConfig(options: LoadOptions = {}): OperatorConfig {
  const flags = options.flags ?? {};
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const configArg = (flags.config as string | undefined) ?? env.REMOTEMEDIA_CONFIG;
  const configFile = configArg ? resolve(cwd, configArg) : undefined;
  const file: ConfigFile = configFile ? readConfigFile(configFile) : {};
  const fileDir = configFile ? dirname(configFile) : cwd;
  const byAttr = new Map(OPERATOR_OPTIONS.map((o) => [o.attr, o]));

  /** The value from flag or env (raw strings / string lists), with its source name; undefined when neither is set. */
  const cliValue = (attr: string): { source: string; values: string[] } | undefined => {
    const o = byAttr.get(attr)!;
    const flag = flags[attr];
    const long = o.flags.split(' ')[0];
    if (Array.isArray(flag)) return { source: long, values: (flag as unknown[]).map(String) };
    const scalar = flag as string | number | boolean | undefined; // what commander parses an option to
    if (scalar !== undefined) return { source: long, values: [String(scalar)] };
    const fromEnv = env[o.env];
    if (fromEnv !== undefined && fromEnv !== '')
      return {
        source: `env ${o.env}`,
        values: o.repeatable
          ? fromEnv
              .split(',')
              .map((v) => v.trim())
              .filter(Boolean)
          : [fromEnv],
      };
    return undefined;
  };
  const atCwd = (v: string) => (isPathLike(v) ? resolve(cwd, v) : v);
  const atFile = (v: string) => (isPathLike(v) ? resolve(fileDir, v) : v);
  const dirAtCwd = (v: string) => resolve(cwd, v);
  const dirAtFile = (v: string) => (isAbsolute(v) ? v : resolve(fileDir, v));

  const int = (attr: string, min: number, fileValue: number | undefined, fallback: number): number => {
    const c = cliValue(attr);
    if (!c) return fileValue ?? fallback;
    const v = c.values.at(-1)!;
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n < min) throw new ConfigError(c.source, byAttr.get(attr)!.key, `an integer >= ${min}`, v);
    return n;
  };
  const bool = (attr: string, fileValue: boolean | undefined): boolean => {
    const c = cliValue(attr);
    if (!c) return fileValue ?? false;
    const v = c.values.at(-1)!.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new ConfigError(c.source, byAttr.get(attr)!.key, 'true or false', c.values.at(-1));
  };
  const list = (attr: string, fileValue: string[] | undefined, cliMap: (v: string) => string, fileMap: (v: string) => string): string[] => {
    const c = cliValue(attr);
    return c ? c.values.map(cliMap) : (fileValue ?? []).map(fileMap);
  };

  // models: name=path pairs from flags/env, a mapping in the file.
  let models: Record<string, string>;
  const modelFlags = cliValue('model');
  if (modelFlags) {
    models = {};
    for (const pair of modelFlags.values) {
      const m = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,127})=(.+)$/.exec(pair);
      if (!m) throw new ConfigError(modelFlags.source, 'models', 'name=path (e.g. silero=/models/silero_vad.onnx)', pair);
      models[m[1]] = resolve(cwd, m[2]);
    }
  } else models = Object.fromEntries(Object.entries(file.models ?? {}).map(([k, v]) => [k, dirAtFile(v)]));

  // remote endpoints: URLs from flags/env (+ --remote-token-env url=VAR), URL or {url, tokenEnv} in the file.
  let endpoints: { url: string; tokenEnv?: string }[];
  const endpointFlags = cliValue('remoteEndpoint');
  if (endpointFlags) {
    endpoints = endpointFlags.values.map((url) => {
      if (!endpointUrl.safeParse(url).success)
        throw new ConfigError(endpointFlags.source, 'remote.endpoints', 'an absolute URL like http://10.0.0.5:50051', url);
      return { url };
    });
  } else endpoints = (file.remote?.endpoints ?? []).map((e) => (typeof e === 'string' ? { url: e } : { ...e }));
  const tokenFlags = cliValue('remoteTokenEnv');
  for (const pair of tokenFlags?.values ?? []) {
    const m = /^(.+)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(pair);
    if (!m) throw new ConfigError(tokenFlags!.source, 'remote.endpoints[].tokenEnv', 'url=ENV_VAR (e.g. http://tts:50051=TTS_TOKEN)', pair);
    const endpoint = endpoints.find((e) => e.url === m[1]);
    if (!endpoint)
      throw new ConfigError(
        tokenFlags!.source,
        'remote.endpoints[].tokenEnv',
        `an endpoint that is also allowed (${endpoints.map((e) => e.url).join(', ') || 'none allowed'})`,
        m[1],
      );
    endpoint.tokenEnv = m[2]!;
  }

  const pipelinesFlag = cliValue('pipelines');
  return {
    configFile,
    server: { ...file.server },
    nodes: list('nodes', file.nodes, atCwd, atFile),
    python: {
      modules: list('pythonModule', file.python?.modules, atCwd, atFile),
      pythonPath: list('pythonPath', file.python?.pythonPath, dirAtCwd, dirAtFile),
      warmProcesses: int('pythonWarmProcesses', 0, file.python?.warmProcesses, 0),
      maxMemoryMb: int('pythonMaxMemoryMb', 0, file.python?.maxMemoryMb, 2048),
      maxProcesses: int('pythonMaxProcesses', 1, file.python?.maxProcesses, 64),
      allowManifestCode: bool('allowManifestPython', file.python?.allowManifestCode),
    },
    pipelines: pipelinesFlag ? dirAtCwd(pipelinesFlag.values.at(-1)!) : file.pipelines !== undefined ? dirAtFile(file.pipelines) : undefined,
    models,
    remote: {
      endpoints,
      manifestHosts: list(
        'remoteManifestHost',
        file.remote?.manifestHosts,
        (v) => v,
        (v) => v,
      ),
    },
  };
}

/** Every operator flag as `--flag  description (env, default)` lines, for READMEs and --help tests. */
export function operatorFlagsHelp(): string {
  return OPERATOR_OPTIONS.map((o) => `${o.flags.padEnd(32)} ${optionHelp(o)}`).join('\n');
}
