export { PythonRuntime, isPythonDefinition, type PythonRuntimeOptions, type PythonNodeInfo } from './python-runtime.js';
export { PythonPipelineRunner, type PythonPipelineRunnerOptions } from './python-pipeline-runner.js';
export { registerPythonNodes, type RegisterPythonNodesOptions } from './register-python-nodes.js';
export { pythonSettingsSchema, checkPythonSettings, type PythonSettings, type PythonLimits, type ResolvedPythonSettings } from './python-settings.js';
export { PYTHON_SDK_DIR, livePythonProcessCount } from './child-processes.js';
export { FRAME_TYPES, FLAG_END, FrameDecoder, dataFrame, decodeDataFrame, jsonFrame, frameJson, type Frame } from './frame-codec.js';
