import { builtinNodes } from '../nodes/builtin/index.js';
import { NodeRegistry } from '../nodes/node-registry.js';
import { PipelineRunner, type PipelineRunnerOptions } from '../runner/pipeline-runner.js';
import { nodeAudioNodes } from './audio/index.js';

/** Every node type that ships with runtime-core on Node.js: the browser-safe ones plus Node-only ones. */
export function createNodeRegistry(): NodeRegistry {
  return new NodeRegistry([...builtinNodes, ...nodeAudioNodes]);
}

/** A PipelineRunner with all Node.js node types registered (what servers and the CLI use). */
export function createNodeRunner(options: PipelineRunnerOptions = {}): PipelineRunner {
  return new PipelineRunner({ registry: createNodeRegistry(), ...options });
}
