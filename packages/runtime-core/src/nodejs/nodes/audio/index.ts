import type { NodeDefinition } from '../../../nodes/node-definition.js';
import { SileroVadNode } from './silero-vad.js';

export {
  SileroVadNode,
  createSileroVadNode,
  sileroBatchOptions,
  SILERO_BATCH_DEFAULTS,
  SILERO_MAX_BATCH_WAIT_MS,
  type SileroVadNodeOptions,
} from './silero-vad.js';

/** Audio nodes that need Node.js (onnxruntime-node for SileroVAD). */
export const nodeAudioNodes: readonly NodeDefinition[] = [SileroVadNode];
