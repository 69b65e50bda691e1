import type { NodeDefinition } from '../../nodes/node-definition.js';

/** Audio nodes that need Node.js (onnxruntime-node for SileroVAD). */
export const nodeAudioNodes: readonly NodeDefinition<any>[] = [];
