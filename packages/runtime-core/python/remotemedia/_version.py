"""The package version: @remotemedia/runtime-core's, read from its package.json in a checkout or an
npm install. Wheels built by the package's build backend (``_build/backend.py``) replace this file
with literal values."""
from __future__ import annotations

import json
import os
from typing import Optional


def _from_package_json() -> str:
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "package.json")
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
        if meta.get("name") == "@remotemedia/runtime-core":
            return str(meta["version"])
    except (OSError, ValueError, KeyError):
        pass
    return "0+unknown"


__version__: str = _from_package_json()
#: The @remotemedia/runtime-core directory a wheel was built from (None in a checkout).
BUILT_FROM: Optional[str] = None
