import type { NodeDefinition } from '../node-definition.js';

/** Browser-safe audio nodes (resample, chunk, format, level, VAD without models). */
export const audioNodes: readonly NodeDefinition<any>[] = [];
