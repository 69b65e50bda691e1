import { builtinNodes } from '../../nodes/builtin/index.js';
import { NodeRegistry } from '../../nodes/node-registry.js';
import type { PipelineRunnerOptions } from '../../pipeline/pipeline-runner.js';
import { speechNodes } from '../../nodes/speech/index.js';
import { nodeAudioNodes } from '../nodes/audio/index.js';
import { createSpeechRecognitionNode, nodeSpeechNodes, speechPythonRuntime } from '../nodes/speech/index.js';
import { PythonPipelineRunner } from './python-pipeline-runner.js';
import { PythonRuntime, type PythonRuntimeOptions } from '../multiprocess/python-runtime.js';

/**
 * Every node type that ships with runtime-core on Node.js: the browser-safe ones plus Node-only ones.
 * `python` configures the interpreter (and limits) of the built-in SpeechRecognition Python node.
 */
export function createNodeRegistry(python?: PythonRuntimeOptions): NodeRegistry {
  return new NodeRegistry([...builtinNodes, ...nodeAudioNodes, ...speechNodes, ...nodeSpeechNodes, createSpeechRecognitionNode(speechPythonRuntime(python))]);
}

export interface NodeRunnerOptions extends PipelineRunnerOptions {
  /**
   * Python nodes: interpreter, user modules, limits. Types registered by `python.modules` are
   * discovered at construction by asking Python (this blocks briefly; use `registerPythonNodes`
   * to avoid it). Default: `python3`, no modules; nodes marked `executor: multiprocess` still work.
   */
  python?: PythonRuntimeOptions;
}

/** A PipelineRunner with all Node.js node types registered, Python nodes included (what servers and the CLI use). */
export function createNodeRunner(options: NodeRunnerOptions = {}): PythonPipelineRunner {
  const { python, ...rest } = options;
  const runtime = new PythonRuntime(python);
  const registry = rest.registry ?? createNodeRegistry(python);
  if (python?.modules?.length) runtime.registerModulesSync(registry);
  return new PythonPipelineRunner({ ...rest, registry, python: runtime });
}
