import { z } from 'zod';
import type { ErrorDetail } from '../../errors.js';
import { issuesToDetails } from '../../manifest/format-issues.js';
import type { ContainerSpec } from '../container/container-settings.js';

const positiveInt = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });

/** The manifest's `settings.python` section: per-pipeline settings of its Python processes. */
export const pythonSettingsSchema = z
  .object({
    /** Interpreter to run. Default: the server's `pythonExecutable`; must be in `limits.allowedExecutables`. */
    pythonExecutable: z.string({ error: 'expected a path or command name' }).min(1, { error: 'must not be empty' }).optional(),
    /** Directories prepended to the Python module search path (sys.path). */
    pythonPath: z.array(z.string().min(1, { error: 'must not be empty' }), { error: 'expected a list of directories' }).optional(),
    /** Modules that register node types: dotted names (found on pythonPath) or paths to .py files. */
    modules: z.array(z.string().min(1, { error: 'must not be empty' }), { error: 'expected a list of module names or .py paths' }).optional(),
    /** Extra environment variables of the processes. */
    env: z.record(z.string(), z.string({ error: 'expected a string value' }), { error: 'expected an object of strings' }).optional(),
    /** How long a process may take to import its modules and run `initialize`. Default: the server's (10000 ms). */
    initTimeoutMs: positiveInt.optional(),
    /** Python processes one session of this pipeline may run (one per Python node). */
    maxProcesses: positiveInt.optional(),
  })
  .strict();
export type PythonSettings = z.output<typeof pythonSettingsSchema>;

/** Server-wide bounds that per-pipeline settings are checked against. */
export interface PythonLimits {
  /** Python processes alive at once across the runtime; beyond it sessions fail with ResourceExhausted. Default 64. */
  maxProcesses?: number;
  /** Upper bound of a manifest's `maxProcesses` (and of its Python node count). Default 16. */
  maxProcessesPerSession?: number;
  /** Upper bound of a manifest's `initTimeoutMs`. Default 120000. */
  maxInitTimeoutMs?: number;
  /** Interpreters a manifest may name in `pythonExecutable`. Default: only the server's own. */
  allowedExecutables?: readonly string[];
  /** Whether manifests may set `pythonPath`, `modules` and `env` (i.e. choose which code runs). Default true. */
  allowManifestCode?: boolean;
}

export interface ResolvedPythonSettings {
  pythonExecutable: string;
  pythonPath: string[];
  modules: string[];
  env: Record<string, string>;
  initTimeoutMs: number;
  maxProcesses: number;
  /** Set for a node that runs in a container (the container executor): its image and limits. */
  container?: ContainerSpec;
}

export interface PythonDefaults {
  pythonExecutable: string;
  pythonPath: readonly string[];
  modules: readonly string[];
  env: Readonly<Record<string, string>>;
  initTimeoutMs: number;
}

export const DEFAULT_PYTHON_LIMITS: Required<Omit<PythonLimits, 'allowedExecutables'>> = {
  maxProcesses: 64,
  maxProcessesPerSession: 16,
  maxInitTimeoutMs: 120_000,
  allowManifestCode: true,
};

/**
 * Validates `settings.python` against the schema and the server limits, merged over the server
 * defaults. `pythonNodeCount` is how many Python processes the pipeline needs.
 */
export function checkPythonSettings(
  raw: unknown,
  defaults: PythonDefaults,
  limits: PythonLimits,
  pythonNodeCount: number,
): { settings?: ResolvedPythonSettings; problems: ErrorDetail[] } {
  const prefix = ['settings', 'python'];
  const parsed = pythonSettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) return { problems: issuesToDetails(parsed.error.issues, raw, prefix) };
  const s = parsed.data;
  const l = { ...DEFAULT_PYTHON_LIMITS, ...limits };
  const problems: ErrorDetail[] = [];
  const at = (field: string) => `settings.python.${field}`;
  const allowed = limits.allowedExecutables ?? [defaults.pythonExecutable];
  if (s.pythonExecutable !== undefined && !allowed.includes(s.pythonExecutable)) {
    problems.push({ path: at('pythonExecutable'), message: `"${s.pythonExecutable}" is not an allowed interpreter (allowed: ${allowed.join(', ')})` });
  }
  if (!l.allowManifestCode) {
    for (const field of ['pythonPath', 'modules', 'env'] as const) {
      if (s[field] !== undefined)
        problems.push({ path: at(field), message: 'this server does not let manifests choose Python code or environment (allowManifestCode is off)' });
    }
  }
  // Variables that change what the interpreter loads are the server's to set, not a manifest's.
  for (const key of Object.keys(s.env ?? {})) {
    if (/^(LD_|DYLD_|PYTHON)/.test(key))
      problems.push({
        path: `${at('env')}.${key}`,
        message: 'may not be set by a manifest (interpreter and loader variables are server settings; use pythonPath for module directories)',
      });
  }
  if (s.initTimeoutMs !== undefined && s.initTimeoutMs > l.maxInitTimeoutMs) {
    problems.push({ path: at('initTimeoutMs'), message: `${s.initTimeoutMs} ms is over the limit maxInitTimeoutMs=${l.maxInitTimeoutMs}` });
  }
  if (s.maxProcesses !== undefined && s.maxProcesses > l.maxProcessesPerSession) {
    problems.push({ path: at('maxProcesses'), message: `${s.maxProcesses} is over the limit maxProcessesPerSession=${l.maxProcessesPerSession}` });
  }
  const maxProcesses = Math.min(s.maxProcesses ?? l.maxProcessesPerSession, l.maxProcessesPerSession);
  if (pythonNodeCount > maxProcesses) {
    problems.push({
      path: s.maxProcesses !== undefined ? at('maxProcesses') : 'nodes',
      message: `the pipeline has ${pythonNodeCount} Python nodes (one process each), over the limit maxProcesses=${maxProcesses}`,
    });
  }
  if (problems.length) return { problems };
  return {
    problems,
    settings: {
      pythonExecutable: s.pythonExecutable ?? defaults.pythonExecutable,
      pythonPath: [...(s.pythonPath ?? []), ...defaults.pythonPath],
      modules: [...defaults.modules, ...(s.modules ?? [])],
      env: { ...defaults.env, ...s.env },
      initTimeoutMs: s.initTimeoutMs ?? defaults.initTimeoutMs,
      maxProcesses,
    },
  };
}
