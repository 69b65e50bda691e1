"""The Python node API: subclass ``Node``, decorate with ``@register_node("Type")``."""
from __future__ import annotations

import contextvars
import importlib
import importlib.util
import logging
import os
import sys

#: Node type name -> Node subclass, filled by @register_node.
REGISTRY: dict = {}

#: Canonical error code names (gRPC numbering in runtime-core's Code table).
ERROR_CODES = (
    "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
    "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
    "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
)


class RemoteMediaError(Exception):
    """Raise from a node to fail with a specific code, e.g. ``RemoteMediaError("invalid_argument", "bad rate")``."""

    def __init__(self, code: str, message: str):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}; expected one of {', '.join(ERROR_CODES)}")
        super().__init__(message)
        self.code = code


class _Request:
    __slots__ = ("id", "cancelled", "task", "metadata")

    def __init__(self, rid, metadata=None):
        self.id = rid
        self.cancelled = False
        self.task = None
        self.metadata = metadata or {}


_current_request: contextvars.ContextVar = contextvars.ContextVar("remotemedia_request", default=None)


class Node:
    """Base class of Python nodes. Runs in its own process, one instance per pipeline session.

    Lifecycle: ``initialize()`` once -> ``process(data)`` per input -> ``flush()`` at end of input
    -> ``cleanup()``. Each may be a plain or an ``async`` method. ``process`` and ``flush`` return
    one output (RuntimeData, or a plain value: str -> text, bytes -> binary, numpy array -> tensor,
    other JSON values -> json), ``None`` for no output, or a generator / async generator of outputs.
    Do not take constructor arguments: read ``self.params`` in ``initialize``.
    """

    #: Shown by `listNodes()`; defaults to the class docstring.
    description = ""
    #: Kinds accepted, e.g. ["audio"]; "any" accepts all.
    accepts = "any"
    produces = "any"
    #: Set by @register_node.
    node_type = ""

    def __init__(self):
        self.params = {}
        self.node_id = ""
        self.session_id = ""
        self._progress = None
        self.logger = logging.getLogger(f"remotemedia.node.{type(self).__name__}")

    def initialize(self):
        """Load models and open resources. Raising fails the session's start with the message."""

    def process(self, data):
        return data

    def flush(self):
        """End of input: return anything still buffered."""
        return None

    def on_control(self, message):
        """Control messages addressed to this node (batch hints, deadlines)."""

    def cleanup(self):
        """Release resources. Always called when the session ends."""

    def report_progress(self, fraction: float, message: str | None = None):
        """Publish progress (0..1) of long work; the host shows it in the session metrics."""
        if self._progress is not None:
            self._progress(float(fraction), message)

    @property
    def metadata(self) -> dict:
        """Transport metadata (string to string) of the input being processed."""
        req = _current_request.get()
        return req.metadata if req else {}

    @property
    def cancelled(self) -> bool:
        """True once the input being processed was interrupted (barge-in); long loops should stop."""
        req = _current_request.get()
        return bool(req and req.cancelled)


def register_node(type_name=None):
    """Class decorator: ``@register_node("Type")`` (or bare ``@register_node`` to use the class name)."""

    def wrap(cls, name=None):
        if not (isinstance(cls, type) and issubclass(cls, Node)):
            raise TypeError(f"@register_node needs a subclass of remotemedia.Node, got {cls!r}")
        name = name or cls.__name__
        cls.node_type = name
        REGISTRY[name] = cls
        return cls

    if isinstance(type_name, type):
        return wrap(type_name)
    return lambda cls: wrap(cls, type_name)


_loaded_files: set = set()


def import_modules(specs):
    """Imports user modules: dotted names (found on sys.path / pythonPath) or paths to .py files.

    Each is imported once per process (a warm process may have imported them already)."""
    for spec in specs:
        if spec.endswith(".py") or os.sep in spec:
            path = os.path.abspath(spec)
            if path in _loaded_files:
                continue
            if not os.path.isfile(path):
                raise ImportError(f"Python module file not found: {path}")
            name = "remotemedia_user_" + os.path.splitext(os.path.basename(path))[0]
            loader_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            loader_spec.loader.exec_module(module)
            _loaded_files.add(path)
        else:
            importlib.import_module(spec)


def describe_registered():
    out = []
    for name in sorted(REGISTRY):
        cls = REGISTRY[name]
        accepts = cls.accepts if cls.accepts == "any" else list(cls.accepts)
        produces = cls.produces if cls.produces == "any" else list(cls.produces)
        description = cls.description or (cls.__doc__ or "").strip().split("\n")[0] or f"Python node {name}"
        out.append({"type": name, "description": description, "accepts": accepts, "produces": produces})
    return out
