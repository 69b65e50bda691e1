import type { Manifest } from '../../manifest/manifest-schema.js';
import { parseManifestText } from '../../manifest/parse-manifest.js';
import { type ValidationResult, validateManifest } from '../../manifest/validate-manifest.js';
import type { NodeRegistry } from '../../nodes/node-registry.js';
import { PipelineRunner, type PipelineRunnerOptions } from '../../pipeline/pipeline-runner.js';
import { Code, RemoteMediaError } from '../../errors.js';
import { NOT_ALLOWED } from '../container/container-settings.js';
import { PythonRuntime } from '../multiprocess/python-runtime.js';

function permissionDenied(error: unknown): unknown {
  if (!(error instanceof RemoteMediaError) || error.code !== Code.InvalidArgument || !error.details.some((d) => d.message.includes(NOT_ALLOWED))) return error;
  return new RemoteMediaError(Code.PermissionDenied, error.rawMessage, { details: error.details, reason: 'ContainerNotAllowed' });
}

export interface PythonPipelineRunnerOptions extends PipelineRunnerOptions {
  /** Python node runtime (defaults, limits, live process count). Default: `new PythonRuntime()`. */
  python?: PythonRuntime;
}

/**
 * A PipelineRunner that knows Python nodes: nodes marked `executor: multiprocess` get a Python
 * definition before validation, `settings.python` is checked against the server limits with the
 * other manifest problems, and a Python process dying between inputs fails its session at once.
 * Types a manifest declares that way exist for that manifest only (its validation and its
 * sessions): the shared registry, `listNodes()` and other manifests never see them.
 */
export class PythonPipelineRunner extends PipelineRunner {
  readonly python: PythonRuntime;
  /**
   * The registry of each validated manifest that declared types of its own. Weak: it lives as long
   * as the manifest does (in the runner's bounded cache of resolved manifests, or in its sessions).
   */
  readonly #manifestRegistries = new WeakMap<Manifest, NodeRegistry>();

  constructor(options: PythonPipelineRunnerOptions = {}) {
    const { python, ...rest } = options;
    super(rest);
    this.python = python ?? new PythonRuntime();
    this.python.container?.start();
  }

  override validate(manifest: unknown): ValidationResult {
    let raw = manifest;
    if (typeof raw === 'string') {
      try {
        raw = parseManifestText(raw);
      } catch {
        return super.validate(manifest); // reports the syntax error
      }
    }
    const pre = this.python.prepare(raw, this.registry);
    // What PipelineRunner.validate does, against the manifest's own registry when it declared types.
    const base = pre.registry === this.registry ? super.validate(raw) : validateManifest(raw, pre.registry, this.limits);
    const problems = [...(base.ok ? [] : base.problems), ...pre.problems];
    if (problems.length) return { ok: false, problems };
    if (!base.ok) return base;
    if (pre.settings) this.python.attach(base.manifest, pre.registry, pre.settings, pre.containers);
    if (pre.registry !== this.registry) this.#manifestRegistries.set(base.manifest, pre.registry);
    return base;
  }

  /** As PipelineRunner.resolve; a manifest asking for what the operator did not allow (an image, a host path, a privileged container) is PermissionDenied. */
  override resolve(manifest: unknown): Manifest {
    try {
      return super.resolve(manifest);
    } catch (error) {
      throw permissionDenied(error);
    }
  }

  protected override registryFor(manifest: Manifest): NodeRegistry {
    return this.#manifestRegistries.get(manifest) ?? this.registry;
  }

  /** Ends sessions like PipelineRunner.shutdown, then stops the warm Python processes. */
  override async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    await super.shutdown(options);
    await this.python.close();
  }
}
