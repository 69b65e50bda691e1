"""The RemoteMedia runtime called from Python, under the names of the original system's extension
module (``import remotemedia_runtime``)::

    import remotemedia_runtime
    outputs = await remotemedia_runtime.execute_pipeline_with_input(manifest_json, [1, 2, 3])

``manifest_json`` is JSON or YAML text, a dict, or a ``remotemedia.Pipeline``. Errors: ValueError for
invalid manifests (every problem with its path) and inputs that cannot be marshaled (their path);
``PipelineError`` (a RuntimeError: ``.code``, ``.node_id``, ``.details``) for failures while running;
``RuntimeNotAvailableError`` (a RuntimeError) when Node.js or @remotemedia/runtime-core is missing.
"""
from remotemedia._version import __version__
from remotemedia.errors import PipelineError, RuntimeNotAvailableError
from remotemedia.runtime import (execute_pipeline, execute_pipeline_sync, execute_pipeline_with_input,
                                 execute_pipeline_with_input_sync, get_runtime_version, is_available, stream)

__all__ = [
    "__version__", "execute_pipeline", "execute_pipeline_with_input", "execute_pipeline_sync",
    "execute_pipeline_with_input_sync", "get_runtime_version", "is_available", "stream",
    "PipelineError", "RuntimeNotAvailableError",
]
