"""Python nodes for the example pipeline. Any module with @register_node classes works the same."""
import asyncio

from remotemedia import Audio, Node, register_node


@register_node("Square")
class Square(Node):
    """Squares JSON numbers (a stand-in for a model that needs Python)."""

    accepts = ["json"]
    produces = ["json"]

    def process(self, data):
        return data.value * data.value


@register_node("Gain")
class Gain(Node):
    """Multiplies audio samples by `gain` (numpy when installed)."""

    accepts = ["audio"]
    produces = ["audio"]

    def initialize(self):
        self.gain = float(self.params.get("gain", 1.0))
        if not 0 <= self.gain <= 10:
            raise ValueError(f"gain must be within 0..10, got {self.gain}")

    def process(self, data):
        samples = data.samples * self.gain if hasattr(data.samples, "dtype") else [s * self.gain for s in data.samples]
        return Audio(samples, data.sample_rate, data.channels, data.timestamp_us, data.stream_id)


@register_node("Words")
class Words(Node):
    """Streams the words of a text, one output each (an async generator, like a token stream)."""

    accepts = ["text"]
    produces = ["text"]

    async def process(self, data):
        for i, word in enumerate(data.text.split()):
            self.report_progress(i / max(1, len(data.text.split())))
            await asyncio.sleep(0)
            yield word
