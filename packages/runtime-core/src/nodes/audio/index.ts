import type { NodeDefinition } from '../node-definition.js';
import { AudioBufferAccumulatorNode } from './audio-buffer-accumulator.js';
import { AudioChunkerNode } from './audio-chunker.js';
import { AudioFormatNode } from './audio-format.js';
import { AudioLevelNode, SilenceDetectorNode } from './audio-level.js';
import { AudioResampleNode } from './audio-resample.js';
import { EnergyVadNode } from './energy-vad.js';

export { AudioBufferAccumulatorNode, AudioChunkerNode, AudioFormatNode, AudioLevelNode, AudioResampleNode, EnergyVadNode, SilenceDetectorNode };

/** Browser-safe audio nodes (resample, chunk, format, level, VAD without models). */
export const audioNodes: readonly NodeDefinition[] = [
  AudioResampleNode,
  AudioChunkerNode,
  AudioFormatNode,
  AudioBufferAccumulatorNode,
  AudioLevelNode,
  SilenceDetectorNode,
  EnergyVadNode,
];
