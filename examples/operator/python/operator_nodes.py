"""The operator's own Python nodes: served to clients by `--python-module` (or `python.modules`)."""
import math

from remotemedia import Audio, Node, register_node


@register_node("Reverse")
class Reverse(Node):
    """Reverses text (a stand-in for a model that needs Python)."""

    accepts = ["text"]
    produces = ["text"]

    def process(self, data):
        return data.text[::-1]


@register_node("ToyTTS")
class ToyTTS(Node):
    """A toy text-to-speech: 50 ms of a tone per character, 16 kHz mono (stands in for a real TTS model)."""

    accepts = ["text"]
    produces = ["audio"]

    def process(self, data):
        rate = 16000
        samples = []
        for i, ch in enumerate(data.text):
            freq = 200 + (ord(ch) % 32) * 20
            samples.extend(0.2 * math.sin(2 * math.pi * freq * n / rate) for n in range(rate // 20))
        return Audio(samples, rate, 1)
