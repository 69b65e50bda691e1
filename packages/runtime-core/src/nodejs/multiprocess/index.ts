export {
  PythonRuntime,
  ManifestNodeRegistry,
  DEFAULT_PYTHON_MAX_MEMORY_MB,
  isPythonDefinition,
  type PythonRuntimeOptions,
  type PythonNodeInfo,
} from './python-runtime.js';
export { registerPythonNodes, type RegisterPythonNodesOptions } from './register-python-nodes.js';
export { pythonSettingsSchema, checkPythonSettings, type PythonSettings, type PythonLimits, type ResolvedPythonSettings } from './python-settings.js';
export { PYTHON_SDK_DIR, LineTail, MAX_TAIL_CHARS, MAX_TAIL_LINE_CHARS, livePythonProcessCount } from './child-processes.js';
