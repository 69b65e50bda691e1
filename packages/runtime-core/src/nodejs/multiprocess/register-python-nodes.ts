import type { NodeRegistry } from '../../nodes/node-registry.js';
import { PythonRuntime, type PythonRuntimeOptions } from './python-runtime.js';

export interface RegisterPythonNodesOptions extends PythonRuntimeOptions {
  /** Modules whose `@register_node` types to register: dotted names (on pythonPath) or .py paths. */
  modules: readonly string[];
  /** Runtime whose limits and process count the nodes use. Default: a new one from these options. */
  runtime?: PythonRuntime;
}

/**
 * Asks Python which node types `modules` register and adds them to `registry`, so manifests can
 * use them like any other node type. Returns the registered type names.
 */
export async function registerPythonNodes(registry: NodeRegistry, options: RegisterPythonNodesOptions): Promise<string[]> {
  const runtime = options.runtime ?? new PythonRuntime(options);
  return runtime.registerModules(registry, options.modules);
}
