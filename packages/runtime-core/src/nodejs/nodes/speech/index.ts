import type { NodeDefinition } from '../../../nodes/node-definition.js';
import { NoiseSuppressionNode } from './noise-suppression.js';
import { TextToSpeechNode } from './text-to-speech.js';

export { TextToSpeechNode, sharedFliteEngine, type TtsEvent } from './text-to-speech.js';
export { NoiseSuppressionNode, RnnoiseStream, sharedRnnoise, RNNOISE_FRAME, RNNOISE_SAMPLE_RATE, type RnnoiseModule } from './noise-suppression.js';
export { createSpeechRecognitionNode, speechPythonRuntime, SPEECH_RECOGNITION_MODULE, type TranscriptEvent } from './speech-recognition.js';

/** Speech nodes that need Node.js (WASI/WASM engines loaded from files); SpeechRecognition needs a Python runtime, see createSpeechRecognitionNode. */
export const nodeSpeechNodes: readonly NodeDefinition[] = [TextToSpeechNode, NoiseSuppressionNode];
