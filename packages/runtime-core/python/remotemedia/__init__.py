"""RemoteMedia Python SDK, shipped inside @remotemedia/runtime-core (no pip install needed).

Write nodes::

    from remotemedia import Node, register_node

    @register_node("Upper")
    class Upper(Node):
        def process(self, data):
            return data.text.upper()

Run pipelines from Python: ``from remotemedia.runtime import execute_pipeline_with_input``.
"""
from .data import Audio, Binary, Control, Image, Json, Tensor, Text, Video, from_runtime_data, to_runtime_data
from .node import REGISTRY, Node, RemoteMediaError, register_node

__all__ = [
    "Audio", "Binary", "Control", "Image", "Json", "Tensor", "Text", "Video",
    "Node", "RemoteMediaError", "REGISTRY", "register_node", "to_runtime_data", "from_runtime_data",
]
