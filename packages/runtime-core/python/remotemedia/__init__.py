"""RemoteMedia for Python: run real-time media/AI pipelines and write Python nodes.

Run pipelines (local runtime through Node.js, or a server)::

    from remotemedia import Pipeline, connect
    from remotemedia.nodes import CalculatorNode
    p = Pipeline("calc")
    p.add_node(CalculatorNode("add5", operation="add", operand=5))
    await p.run([1, 2, 3])                                   # [6, 7, 8], local runtime
    await p.run([1], runtime=connect("http://host:8080"))    # on a RemoteMedia server

Write nodes::

    from remotemedia import Node, register_node

    @register_node("Upper")
    class Upper(Node):
        def process(self, data):
            return data.text.upper()

The seed's calling API: ``import remotemedia_runtime``. See docs/python.md.
"""
from typing import TYPE_CHECKING

from ._version import __version__
from .data import Audio, Binary, Control, Image, Json, Tensor, Text, Video, from_runtime_data, to_runtime_data
from .node import REGISTRY, Node, RemoteMediaError, register_node

if TYPE_CHECKING:  # imported lazily at run time (node processes import this package and start fast)
    from ._session import StreamSession
    from .errors import PipelineError, RuntimeNotAvailableError
    from .pipeline import Pipeline, PythonNode
    from .remote import connect
    from .runtime import stream

__all__ = [
    "Audio", "Binary", "Control", "Image", "Json", "Tensor", "Text", "Video",
    "Node", "RemoteMediaError", "REGISTRY", "register_node", "to_runtime_data", "from_runtime_data",
    "Pipeline", "PythonNode", "PipelineError", "RuntimeNotAvailableError", "StreamSession", "connect", "stream", "__version__",
]


def __getattr__(name):
    # Lazy: the node worker imports this package and must stay fast to start.
    if name in ("Pipeline", "PythonNode"):
        from . import pipeline

        return getattr(pipeline, name)
    if name in ("PipelineError", "RuntimeNotAvailableError"):
        from . import errors

        return getattr(errors, name)
    if name == "StreamSession":
        from ._session import StreamSession

        return StreamSession
    if name == "stream":
        from .runtime import stream

        return stream
    if name == "connect":
        from .remote import connect

        return connect
    raise AttributeError(f"module 'remotemedia' has no attribute {name!r}")
