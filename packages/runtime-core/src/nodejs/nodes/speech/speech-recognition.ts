import { z } from 'zod';
import { Code, RemoteMediaError } from '../../../errors.js';
import type { NodeDefinition } from '../../../nodes/node-definition.js';
import { PythonRuntime, type PythonRuntimeOptions } from '../../multiprocess/python-runtime.js';

/** The Python module (shipped in this package's python/ folder) that defines SpeechRecognition. */
export const SPEECH_RECOGNITION_MODULE = 'remotemedia.speech_recognition';

/** One transcript event of SpeechRecognition. */
export interface TranscriptEvent {
  text: string;
  final: boolean;
  startUs: number;
  endUs: number;
  confidence?: number;
}

const paramsSchema = z
  .object({
    /**
     * `utterance` (default): each audio input is one utterance (after AudioBufferAccumulator).
     * `vad`: a VAD node's audio and events; decoded while the user speaks, final at speechEnd (lowest latency).
     * `stream`: continuous audio, cut by PocketSphinx's own voice detection.
     */
    mode: z.enum(['utterance', 'vad', 'stream'], { error: 'expected one of utterance, vad, stream' }).default('utterance'),
    /** `vad` mode: audio from this long before the VAD's `startUs` is decoded too (VADs cut soft word onsets). */
    prerollMs: z.number().int().min(0).max(2000).default(200),
    /** `stream` mode: partial transcripts (final: false) this often while speech goes on; 0 = none. */
    partialEveryMs: z.number().int().min(0).max(10_000).default(0),
    /**
     * PocketSphinx's second (flat lexicon) search pass over the whole utterance at its end: fewer
     * errors, but the final transcript comes ~100-300 ms later. Voice loops turn it off.
     */
    secondPass: z.boolean().default(true),
    /** A JSGF grammar limiting what can be recognised (e.g. a command set); default the en-US language model. */
    grammar: z.string().min(1).max(100_000).optional(),
  })
  .strict();

/**
 * SpeechRecognition: CMU PocketSphinx (Debian python3-pocketsphinx + pocketsphinx-en-us) in a
 * built-in Python node: 16 kHz audio in, `{text, final, startUs, endUs, confidence?}` JSON out.
 * Each instance runs in its own python3 process started by `runtime` (whose defaults import the
 * module; a manifest's `settings.python` does not apply to it).
 */
export function createSpeechRecognitionNode(
  runtime: PythonRuntime = new PythonRuntime({ modules: [SPEECH_RECOGNITION_MODULE] }),
): NodeDefinition<z.output<typeof paramsSchema>> {
  if (!runtime.defaults.modules.includes(SPEECH_RECOGNITION_MODULE)) {
    throw new RemoteMediaError(Code.InvalidArgument, `createSpeechRecognitionNode: the runtime's modules must include ${SPEECH_RECOGNITION_MODULE}`);
  }
  const inner = runtime.definition({
    type: 'SpeechRecognition',
    description:
      'Offline speech recognition (CMU PocketSphinx en-US, Debian python3-pocketsphinx + pocketsphinx-en-us) in its own Python process: 16 kHz audio in (per utterance, from a VAD, or a continuous stream), {text, final, startUs, endUs, confidence?} JSON out.',
    accepts: ['audio', 'json'],
    produces: ['json'],
  });
  // A copy, so the runner does not treat it as a manifest-configured Python node: its process
  // always imports the module above, whatever the manifest's settings.python says.
  return { ...inner, paramsSchema, create: (params, ctx) => inner.create(params, ctx) };
}

/** A Python runtime for the speech node, from the runner's Python options. */
export function speechPythonRuntime(options: PythonRuntimeOptions = {}): PythonRuntime {
  const { warmProcesses: _warm, modules: _modules, ...rest } = options;
  return new PythonRuntime({ ...rest, modules: [SPEECH_RECOGNITION_MODULE] });
}
