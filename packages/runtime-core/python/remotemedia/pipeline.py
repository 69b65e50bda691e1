"""Pipelines built in Python.

    from remotemedia import Pipeline
    from remotemedia.nodes import PassThroughNode, CalculatorNode

    p = Pipeline("calc")
    p.add_node(PassThroughNode("in"))
    p.add_node(CalculatorNode("add5", operation="add", operand=5))
    await p.run([1, 2, 3])          # [6, 7, 8]

Nodes added one after the other are chained in order unless ``connect`` is used (then only the
connections given exist). Python-defined nodes (``@register_node`` classes) go in the same
pipeline: ``p.add_node(MyNode, name="mine", params={...})``; they run in their own Python process
with the module that defines them imported (``executor: multiprocess`` in the manifest).
"""
from __future__ import annotations

import json
import math
import os
import sys
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from .node import Node

__all__ = ["Pipeline", "BuiltinNode", "PythonNode", "NodeSpec"]


class NodeSpec:
    """A node of a Pipeline: its id, type and params (and executor for Python nodes)."""

    node_type: str = ""
    executor: Optional[str] = None

    def __init__(self, name: Optional[str], params: Mapping[str, Any]):
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string, got {name!r}")
        self.name = name
        self.params = {k: v for k, v in params.items() if v is not None}

    def to_manifest(self, node_id: str) -> Dict[str, Any]:
        node: Dict[str, Any] = {"id": node_id, "nodeType": self.node_type}
        if self.params:
            node["params"] = dict(self.params)
        if self.executor:
            node["executor"] = self.executor
        return node

    def __repr__(self) -> str:
        args = ", ".join([repr(self.name)] + [f"{k}={v!r}" for k, v in self.params.items()])
        return f"{type(self).__name__}({args})"


_JSON_TYPES = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "a boolean", "array": "a list", "object": "a dict"}


def _check_value(schema: Mapping[str, Any], value: Any, path: str) -> List[str]:
    problems = []
    t = schema.get("type")
    if t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, float) and value.is_integer())
    elif t == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif t == "string":
        ok = isinstance(value, str)
    elif t == "boolean":
        ok = isinstance(value, bool)
    elif t == "array":
        ok = isinstance(value, (list, tuple))
    elif t == "object":
        ok = isinstance(value, dict)
    else:
        ok = True
    if not ok:
        return [f"{path}: expected {_JSON_TYPES.get(str(t), t)}, got {type(value).__name__} {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: expected one of {', '.join(repr(v) for v in schema['enum'])}, got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{path}: must be >= {schema['minimum']}, got {value!r}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{path}: must be <= {schema['maximum']}, got {value!r}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            problems.append(f"{path}: must be > {schema['exclusiveMinimum']}, got {value!r}")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            problems.append(f"{path}: must be < {schema['exclusiveMaximum']}, got {value!r}")
    if isinstance(value, str) and "minLength" in schema and len(value) < schema["minLength"]:
        problems.append(f"{path}: must have at least {schema['minLength']} characters")
    return problems


class BuiltinNode(NodeSpec):
    """Base of the generated classes in ``remotemedia.nodes``: params are checked against the
    node type's JSON Schema when the object is made (ValueError naming every bad param)."""

    params_schema: Dict[str, Any] = {}
    accepts: Any = "any"
    produces: Any = "any"

    def __init__(self, name: Optional[str], params: Mapping[str, Any]):
        super().__init__(name, params)
        label = f"{type(self).__name__}({name!r})" if name else type(self).__name__
        schema = self.params_schema
        props = schema.get("properties", {})
        problems = [f"{label}.{k}: is required" for k in schema.get("required", []) if k not in self.params]
        for key, value in self.params.items():
            if key not in props:
                problems.append(f"{label}.{key}: unknown param; expected one of {', '.join(props) or '(none)'}")
            else:
                problems += _check_value(props[key], value, f"{label}.{key}")
        if problems:
            raise ValueError("invalid params:\n" + "\n".join(problems))


def _module_spec(cls: type) -> Tuple[str, Optional[str]]:
    """(module for settings.python.modules, directory for pythonPath or None) of a node class."""
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    if cls.__module__ == "__main__" or module is None or "." not in cls.__module__ and path is None:
        if not path:
            raise ValueError(f"{cls.__name__} is defined in interactive code; Python nodes must live in a .py file the node processes can import")
        return os.path.abspath(path), None
    if path is None:
        raise ValueError(f"cannot tell where {cls.__module__} is: Python nodes must live in a .py file")
    path = os.path.abspath(path)
    # The directory that makes the dotted name importable: strip one level per dotted part.
    root = os.path.dirname(path)
    if os.path.basename(path) == "__init__.py":
        root = os.path.dirname(root)
    for _ in range(cls.__module__.count(".")):
        root = os.path.dirname(root)
    return cls.__module__, root


class PythonNode(NodeSpec):
    """A Python-defined node (an ``@register_node`` class) in a Pipeline.

    ``PythonNode(MyNode, "name", params={...})``; ``Pipeline.add_node(MyNode, name=..., params=...)``
    makes one. The defining module is imported by the node's process (a file path for scripts,
    the dotted name plus its root directory on pythonPath for packages)."""

    executor = "multiprocess"

    def __init__(self, cls: type, name: Optional[str] = None, params: Optional[Mapping[str, Any]] = None):
        if not (isinstance(cls, type) and issubclass(cls, Node)):
            raise TypeError(f"PythonNode needs a remotemedia.Node subclass, got {cls!r}")
        if not cls.node_type:
            raise ValueError(f"{cls.__name__} is not registered: decorate it with @register_node")
        super().__init__(name, {})
        self.params = dict(params or {})
        self.cls = cls
        self.node_type = cls.node_type
        self.module, self.python_path = _module_spec(cls)


NodeLike = Union[NodeSpec, type]


class Pipeline:
    """A pipeline built in Python; ``serialize()`` gives its manifest JSON, ``run`` runs it."""

    def __init__(self, name: str = "pipeline", *, description: Optional[str] = None):
        self.name = name
        self.description = description
        self._nodes: List[Tuple[str, NodeSpec]] = []
        self._connections: List[Dict[str, Any]] = []
        self._explicit = False
        self.settings: Dict[str, Any] = {}

    @property
    def nodes(self) -> List[Tuple[str, NodeSpec]]:
        return list(self._nodes)

    def _id_of(self, node: Union[str, NodeSpec]) -> str:
        if isinstance(node, str):
            if not any(nid == node for nid, _ in self._nodes):
                raise ValueError(f"pipeline {self.name!r} has no node {node!r}")
            return node
        for nid, spec in self._nodes:
            if spec is node:
                return nid
        raise ValueError(f"{node!r} is not in pipeline {self.name!r}: add_node it first")

    def add_node(self, node: NodeLike, *, name: Optional[str] = None, params: Optional[Mapping[str, Any]] = None) -> NodeSpec:
        """Adds a node and returns it. ``node`` is a ``remotemedia.nodes`` object or a Python
        ``@register_node`` class (with ``name`` and ``params``). Ids are the node's name, else
        ``<type>_<n>``."""
        if isinstance(node, type):
            node = PythonNode(node, name, params)
        elif not isinstance(node, NodeSpec):
            raise TypeError(f"add_node takes a remotemedia.nodes object or a @register_node class, got {node!r}")
        elif name is not None or params is not None:
            raise TypeError("name and params go to the node's constructor for remotemedia.nodes objects")
        if any(spec is node for _, spec in self._nodes):
            raise ValueError(f"{node!r} is already in pipeline {self.name!r}")
        nid = node.name or f"{node.node_type[:1].lower()}{node.node_type[1:]}_{len(self._nodes)}"
        if any(existing == nid for existing, _ in self._nodes):
            raise ValueError(f"pipeline {self.name!r} already has a node {nid!r}")
        self._nodes.append((nid, node))
        return node

    def connect(self, source: Union[str, NodeSpec], target: Union[str, NodeSpec]) -> "Pipeline":
        """Connects ``source``'s outputs to ``target``. Once used, nodes are no longer chained in order."""
        self._explicit = True
        self._connections.append({"from": self._id_of(source), "to": self._id_of(target)})
        return self

    def to_manifest(self) -> Dict[str, Any]:
        """The manifest as a dict."""
        if not self._nodes:
            raise ValueError(f"pipeline {self.name!r} has no nodes")
        metadata: Dict[str, Any] = {"name": self.name}
        if self.description:
            metadata["description"] = self.description
        nodes = [spec.to_manifest(nid) for nid, spec in self._nodes]
        if self._explicit:
            connections = list(self._connections)
        else:
            connections = [{"from": a[0], "to": b[0]} for a, b in zip(self._nodes, self._nodes[1:])]
        manifest: Dict[str, Any] = {"version": "v1", "metadata": metadata, "nodes": nodes, "connections": connections}
        settings = json.loads(json.dumps(self.settings)) if self.settings else {}
        modules: List[str] = []
        path: List[str] = []
        for _, spec in self._nodes:
            if isinstance(spec, PythonNode):
                if spec.module not in modules:
                    modules.append(spec.module)
                if spec.python_path and spec.python_path not in path:
                    path.append(spec.python_path)
        if modules:
            py = settings.setdefault("python", {})
            py["modules"] = list(dict.fromkeys([*py.get("modules", []), *modules]))
            if path:
                py["pythonPath"] = list(dict.fromkeys([*py.get("pythonPath", []), *path]))
        if settings:
            manifest["settings"] = settings
        return manifest

    def serialize(self) -> str:
        """The manifest as JSON text (what ``remotemedia_runtime.execute_pipeline`` takes)."""
        return json.dumps(self.to_manifest(), separators=(",", ":"))

    async def run(self, inputs: Optional[Iterable[Any]] = None, *, runtime: Any = None, timeout: Optional[float] = None) -> List[Any]:
        """Runs the pipeline on ``inputs`` and returns every output. ``runtime``: a client from
        ``remotemedia.connect(url)`` to run it on a server; default the local runtime."""
        if runtime is None:
            from .runtime import execute_pipeline_with_input

            return await execute_pipeline_with_input(self, list(inputs or []), timeout=timeout)
        return await runtime.execute_pipeline_with_input(self, list(inputs or []), timeout=timeout)

    def run_sync(self, inputs: Optional[Iterable[Any]] = None, *, runtime: Any = None, timeout: Optional[float] = None) -> List[Any]:
        if runtime is None:
            from .runtime import execute_pipeline_with_input_sync

            return execute_pipeline_with_input_sync(self, list(inputs or []), timeout=timeout)
        return runtime.execute_pipeline_with_input_sync(self, list(inputs or []), timeout=timeout)

    def stream(self, *, runtime: Any = None, window: int = 32, in_flight: int = 4):
        """A streaming session of this pipeline (``async with p.stream() as s: ...``)."""
        if runtime is None:
            from .runtime import stream

            return stream(self, window=window, in_flight=in_flight)
        return runtime.stream(self, window=window)

    def __repr__(self) -> str:
        return f"Pipeline({self.name!r}, nodes={[nid for nid, _ in self._nodes]})"
