"""Finding what the local runtime needs: a Node.js executable and @remotemedia/runtime-core.

Order for the runtime-core package (the first that exists wins):

1. ``REMOTEMEDIA_NODE_BRIDGE``: the bridge script itself (``.ts`` runs through tsx, ``.js`` as is);
2. ``REMOTEMEDIA_RUNTIME_CORE``: the directory of @remotemedia/runtime-core (its package.json);
3. the package this Python code ships in (``<runtime-core>/python/remotemedia``: a repository
   checkout, or ``PYTHONPATH=node_modules/@remotemedia/runtime-core/python``);
4. ``node_modules/@remotemedia/runtime-core`` in the working directory or any parent of it, then
   in the global npm folder of the Node.js found;
5. the directory the installed wheel was built from, if it is still there.

Node.js: ``REMOTEMEDIA_NODE``, else ``node`` on ``PATH``.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Dict, List, Optional, Tuple

from . import _version

PACKAGE_NAME = "@remotemedia/runtime-core"
_HERE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class RuntimeNotAvailableError(RuntimeError):
    """Node.js or the @remotemedia/runtime-core npm package cannot be found or started."""


def _is_runtime_core(path: Optional[str]) -> bool:
    if not path:
        return False
    try:
        with open(os.path.join(path, "package.json"), encoding="utf-8") as f:
            return json.load(f).get("name") == PACKAGE_NAME
    except (OSError, ValueError):
        return False


def find_node() -> str:
    """The Node.js executable, or RuntimeNotAvailableError saying what is missing."""
    explicit = os.environ.get("REMOTEMEDIA_NODE")
    if explicit:
        resolved = explicit if os.sep in explicit else shutil.which(explicit)
        if not resolved or not os.path.isfile(resolved) or not os.access(resolved, os.X_OK):
            raise RuntimeNotAvailableError(
                f"Node.js not found: REMOTEMEDIA_NODE={explicit!r} is not an executable file. "
                "Point REMOTEMEDIA_NODE at a Node.js >= 20 executable, or unset it to use `node` from PATH."
            )
        return resolved
    found = shutil.which("node")
    if not found:
        raise RuntimeNotAvailableError(
            "Node.js not found: the RemoteMedia runtime runs in Node.js (>= 20) and there is no `node` "
            "on PATH. Install Node.js, or set REMOTEMEDIA_NODE=/path/to/node."
        )
    return found


def _candidates(node: Optional[str]) -> List[Tuple[str, str]]:
    out = []
    env_dir = os.environ.get("REMOTEMEDIA_RUNTIME_CORE")
    if env_dir:
        out.append(("REMOTEMEDIA_RUNTIME_CORE", env_dir))
    out.append(("the package this code ships in", _HERE_ROOT))
    d = os.getcwd()
    while True:
        out.append(("node_modules of the working directory or a parent", os.path.join(d, "node_modules", "@remotemedia", "runtime-core")))
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    if node:
        prefix = os.path.dirname(os.path.dirname(os.path.realpath(node)))
        out.append(("the global npm folder", os.path.join(prefix, "lib", "node_modules", "@remotemedia", "runtime-core")))
    if _version.BUILT_FROM:
        out.append(("the directory this wheel was built from", _version.BUILT_FROM))
    return out


def find_runtime_core(node: Optional[str] = None) -> str:
    """The @remotemedia/runtime-core directory, or RuntimeNotAvailableError listing where it looked."""
    return _find_runtime_core(node)[1]


def _find_runtime_core(node: Optional[str]) -> Tuple[str, str]:
    env_dir = os.environ.get("REMOTEMEDIA_RUNTIME_CORE")
    if env_dir and not _is_runtime_core(env_dir):
        raise RuntimeNotAvailableError(
            f"REMOTEMEDIA_RUNTIME_CORE={env_dir!r} is not the {PACKAGE_NAME} npm package (no package.json named {PACKAGE_NAME} there)."
        )
    for how, path in _candidates(node):
        if _is_runtime_core(path):
            return how, os.path.realpath(path)
    raise RuntimeNotAvailableError(
        f"the {PACKAGE_NAME} npm package was not found (looked in node_modules of {os.getcwd()} and its parents, "
        "the global npm folder and the directory this package was built from). "
        f"Run `npm install {PACKAGE_NAME}` in your project, or set REMOTEMEDIA_RUNTIME_CORE=/path/to/node_modules/{PACKAGE_NAME}."
    )


def runtime_info() -> Dict[str, object]:
    """Where the local runtime comes from: ``node``, ``runtime_core``, ``found_by``, ``command``.
    Raises RuntimeNotAvailableError like a call would."""
    node = find_node()
    if os.environ.get("REMOTEMEDIA_NODE_BRIDGE"):
        how, root = "REMOTEMEDIA_NODE_BRIDGE", None
    else:
        how, root = _find_runtime_core(node)
    command, _ = bridge_command()
    return {"node": node, "runtime_core": root, "found_by": how, "command": command}


def bridge_command() -> Tuple[List[str], Optional[str]]:
    """The command that starts the Node bridge, and the directory to start it in."""
    node = find_node()
    script = os.environ.get("REMOTEMEDIA_NODE_BRIDGE")
    if script:
        if not os.path.isfile(script):
            raise RuntimeNotAvailableError(f"REMOTEMEDIA_NODE_BRIDGE={script!r} does not exist.")
        root = None
    else:
        root = find_runtime_core(node)
        src = os.path.join(root, "src", "nodejs", "python-bridge", "bridge-main.ts")
        dist = os.path.join(root, "dist", "nodejs", "python-bridge", "bridge-main.js")
        if os.path.isfile(src):
            script = src
        elif os.path.isfile(dist):
            script = dist
        else:
            raise RuntimeNotAvailableError(
                f"{PACKAGE_NAME} at {root} has neither dist/ (an npm install) nor src/ (a checkout): "
                "build it (`npm run build` there) or set REMOTEMEDIA_NODE_BRIDGE=/path/to/bridge-main.js."
            )
    if script.endswith(".ts"):
        # `--import tsx` resolves from the working directory: start in the package, the bridge moves back.
        cwd = root or os.path.dirname(script)
        return [node, "--conditions=@remotemedia/source", "--import", "tsx", script], cwd
    return [node, script], None
