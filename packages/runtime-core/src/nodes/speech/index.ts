import type { NodeDefinition } from '../node-definition.js';
import { BargeInNode } from './barge-in.js';
import { ResponderNode } from './responder.js';

export { BargeInNode, ResponderNode };
export { DEFAULT_RESPONDER_RULES, transcriptOf } from './responder.js';
export { isSpeakable, cleanSpeechText, splitSentences, synthesisPieces } from './text-for-speech.js';
export { FliteEngine, FliteRun, FLITE_VOICES, fliteArgs, parseFliteWav, type FliteVoice, type FliteAudio, type FliteSynthesisOptions } from './flite-wasi.js';

/** Browser-safe speech nodes (the engines that need Node.js are in `@remotemedia/runtime-core/node`). */
export const speechNodes: readonly NodeDefinition[] = [ResponderNode, BargeInNode];
