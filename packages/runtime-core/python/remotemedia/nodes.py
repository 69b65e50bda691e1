# GENERATED FILE, DO NOT EDIT. Made by packages/runtime-core/scripts/gen-python-nodes.mjs from
# schemas/nodes.json (the built-in node types and the JSON Schemas of their params);
# `node scripts/check-generated.mjs` fails when it is stale, `--write` regenerates it.
"""The built-in node types as classes: ``Pipeline.add_node(CalculatorNode("calc", operation="add", operand=5))``.

Params are keyword arguments with the names the manifest uses (``minSpeechMs``) and are checked
against the node type's JSON Schema when the object is made (ValueError naming the param).
Params left out are not sent: the runtime applies its defaults (listed in each docstring).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

try:
    from typing import Literal
except ImportError:  # pragma: no cover - Python < 3.8
    from typing_extensions import Literal  # type: ignore

from .pipeline import BuiltinNode

__all__ = ["AudioBufferAccumulatorNode", "AudioChunkerNode", "AudioFormatNode", "AudioLevelNode", "AudioResampleNode", "CalculatorNode", "EnergyVADNode", "PassThroughNode", "SilenceDetectorNode", "SileroVADNode", "TextCollectorNode", "BUILTIN_NODES"]


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


#: Node type name -> class, for every built-in node type.
BUILTIN_NODES: Dict[str, type] = {"AudioBufferAccumulator": AudioBufferAccumulatorNode, "AudioChunker": AudioChunkerNode, "AudioFormat": AudioFormatNode, "AudioLevel": AudioLevelNode, "AudioResample": AudioResampleNode, "Calculator": CalculatorNode, "EnergyVAD": EnergyVADNode, "PassThrough": PassThroughNode, "SilenceDetector": SilenceDetectorNode, "SileroVAD": SileroVADNode, "TextCollector": TextCollectorNode}
