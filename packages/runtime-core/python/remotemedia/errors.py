"""Errors of pipeline calls, the same for the local runtime and remote servers."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ._locate import RuntimeNotAvailableError

__all__ = ["PipelineError", "RuntimeNotAvailableError", "error_from_json"]

_MANIFEST_REASONS = ("ManifestInvalid", "ManifestSyntax")


class PipelineError(RuntimeError):
    """A pipeline failed while running (or could not be started).

    ``code`` is runtime-core's error code name (``invalid_argument``, ``internal``, ...),
    ``node_id`` the failing node when one is known, ``details`` a list of ``{path, message}``,
    ``reason`` a machine-readable reason (``PythonError``, ``PythonProcessExited``, ...).
    """

    def __init__(self, message: str, code: str = "internal", node_id: Optional[str] = None,
                 details: Optional[List[Dict[str, Any]]] = None, reason: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.node_id = node_id
        self.details = details or []
        self.reason = reason


def _problems(details, fallback):
    lines = [f"{d.get('path')}: {d.get('message')}" if d.get("path") else str(d.get("message", "")) for d in details]
    return "\n".join(lines) or fallback


def error_from_json(body: Dict[str, Any]) -> Exception:
    """runtime-core's error JSON ({code, message, details, nodeId, reason}) -> the exception to raise.

    Invalid manifests -> ValueError listing every problem with its path; anything else -> PipelineError.
    """
    code = body.get("code") or "internal"
    message = body.get("message") or "pipeline failed"
    details = body.get("details") or []
    reason = body.get("reason")
    if code == "invalid_argument" and (reason in _MANIFEST_REASONS or any(str(d.get("path", "")).startswith(("nodes", "connections", "settings", "version", "metadata")) for d in details)) and not body.get("nodeId"):
        exc = ValueError(f"invalid manifest:\n{_problems(details, message)}")
        exc.details = details  # type: ignore[attr-defined]
        exc.code = code  # type: ignore[attr-defined]
        return exc
    node_id = body.get("nodeId")
    where = f" (node {node_id!r})" if node_id and f'"{node_id}"' not in message and f"'{node_id}'" not in message else ""
    return PipelineError(f"[{code}] {message}{where}", code, node_id, details, reason)
