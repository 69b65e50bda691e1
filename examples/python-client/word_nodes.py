"""A Python node for mixed.py: runs in its own Python process, started by the runtime."""
from remotemedia import Node, register_node


@register_node("WordCount")
class WordCount(Node):
    """Counts the words of each text input."""

    accepts = ["text"]
    produces = ["json"]

    def process(self, data):
        return len(data.text.split())
