import { parseManifestText } from '../../manifest/parse-manifest.js';
import type { ValidationResult } from '../../manifest/validate-manifest.js';
import { PipelineRunner, type PipelineRunnerOptions } from '../../runner/pipeline-runner.js';
import type { ManifestSource } from '../../transport/pipeline-transport.js';
import { PythonRuntime } from './python-runtime.js';

export interface PythonPipelineRunnerOptions extends PipelineRunnerOptions {
  /** Python node runtime (defaults, limits, live process count). Default: `new PythonRuntime()`. */
  python?: PythonRuntime;
}

/**
 * A PipelineRunner that knows Python nodes: nodes marked `executor: multiprocess` get a Python
 * definition before validation, `settings.python` is checked against the server limits with the
 * other manifest problems, and a Python process dying between inputs fails its session at once.
 */
export class PythonPipelineRunner extends PipelineRunner {
  readonly python: PythonRuntime;

  constructor(options: PythonPipelineRunnerOptions = {}) {
    const { python, ...rest } = options;
    super(rest);
    this.python = python ?? new PythonRuntime();
  }

  override validate(manifest: ManifestSource | unknown): ValidationResult {
    let raw = manifest;
    if (typeof raw === 'string') {
      try {
        raw = parseManifestText(raw);
      } catch {
        return super.validate(manifest); // reports the syntax error
      }
    }
    const pre = this.python.prepare(raw, this.registry);
    const base = super.validate(raw);
    const problems = [...(base.ok ? [] : base.problems), ...pre.problems];
    if (problems.length) return { ok: false, problems };
    if (pre.settings && base.ok) this.python.attach(base.manifest, this.registry, pre.settings);
    return base;
  }

  /** Ends sessions like PipelineRunner.shutdown, then stops the warm Python processes. */
  override async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    await super.shutdown(options);
    await this.python.close();
  }
}
