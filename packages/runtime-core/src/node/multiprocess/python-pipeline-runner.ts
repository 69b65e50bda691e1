import { Code, RemoteMediaError } from '../../errors.js';
import type { Manifest } from '../../manifest/manifest-schema.js';
import { formatDetails } from '../../manifest/format-issues.js';
import { parseManifestText } from '../../manifest/parse-manifest.js';
import type { ValidationResult } from '../../manifest/validate-manifest.js';
import { PipelineRunner, type PipelineRunnerOptions } from '../../runner/pipeline-runner.js';
import type { CallOptions, ManifestSource, StreamSession } from '../../transport/pipeline-transport.js';
import { PythonRuntime, registerSessionFailer } from './python-runtime.js';

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

  override resolve(manifest: ManifestSource | unknown): Manifest {
    const result = this.validate(manifest);
    if (result.ok) return result.manifest;
    const overLimit = result.problems.some((p) => p.message.includes('over the limit'));
    throw new RemoteMediaError(
      overLimit ? Code.ResourceExhausted : Code.InvalidArgument,
      `invalid manifest (${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}):\n${formatDetails(result.problems)}`,
      { details: result.problems, reason: overLimit ? 'LimitExceeded' : 'ManifestInvalid' },
    );
  }

  /** Ends sessions like PipelineRunner.shutdown, then stops the warm Python processes. */
  override async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    await super.shutdown(options);
    await this.python.close();
  }

  override async createStreamSession(manifest: ManifestSource, options: CallOptions = {}): Promise<StreamSession> {
    const session = await super.createStreamSession(manifest, options);
    const fail = (session as { fail?: (e: RemoteMediaError) => void }).fail;
    if (typeof fail === 'function') {
      const unregister = registerSessionFailer(session.sessionId, (error) => fail.call(session, error));
      const finished = (session as { finished?: Promise<void> }).finished;
      if (finished) void finished.then(unregister, unregister);
    }
    return session;
  }
}
