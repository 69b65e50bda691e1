"""The PEP 517 build backend of the ``remotemedia`` Python package: standard library only, so
``pip install packages/runtime-core/python`` (or ``node_modules/@remotemedia/runtime-core/python``)
works offline with nothing but Python and pip: no setuptools, wheel or downloads at build time.

Builds a pure-Python wheel of ``remotemedia/`` and ``remotemedia_runtime.py``, versioned as the
npm package (``../package.json``), with ``remotemedia/_version.py`` replaced by literal values
(the version, and the runtime-core directory it was built from, one place the package looks for the
Node runtime). Also: sdists, and editable installs (a ``.pth`` file pointing at this directory).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import tarfile
import time
import zipfile

NAME = "remotemedia"
SUMMARY = "Python API of RemoteMedia: run real-time media/AI pipelines locally (Node.js runtime) or on a RemoteMedia gRPC/HTTP server, and write Python nodes."
REQUIRES_PYTHON = ">=3.9"
EXTRAS = {"numpy": ["numpy>=1.21"], "grpc": ["grpcio>=1.51"]}
TOP_LEVEL = ["remotemedia", "remotemedia_runtime.py"]
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAG = "py3-none-any"


def _npm_version_to_pep440(v: str) -> str:
    m = re.fullmatch(r"(\d+\.\d+\.\d+)(?:-(alpha|beta|rc|next|canary)?\.?(\d+)?.*)?", v.strip())
    if not m:
        raise ValueError(f"cannot turn npm version {v!r} into a Python version")
    base, pre, n = m.groups()
    if not pre and not n:
        return base
    return base + {"alpha": "a", "beta": "b", "rc": "rc", "next": "rc", "canary": ".dev", None: ".dev"}[pre] + (n or "0")


def _runtime_core_dir():
    root = os.path.dirname(HERE)
    try:
        with open(os.path.join(root, "package.json"), encoding="utf-8") as f:
            meta = json.load(f)
        if meta.get("name") == "@remotemedia/runtime-core":
            return root, meta["version"]
    except (OSError, ValueError, KeyError):
        pass
    return None, None


def version() -> str:
    root, npm_version = _runtime_core_dir()
    if npm_version:
        return _npm_version_to_pep440(npm_version)
    try:  # an sdist: PKG-INFO has it
        with open(os.path.join(HERE, "PKG-INFO"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    raise RuntimeError("remotemedia: no ../package.json of @remotemedia/runtime-core and no PKG-INFO: cannot tell the version")


def _readme() -> str:
    path = os.path.join(HERE, "README.md")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def _metadata() -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {version()}",
        f"Summary: {SUMMARY}",
        "License: MIT",
        f"Requires-Python: {REQUIRES_PYTHON}",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Typing :: Typed",
    ]
    for extra, reqs in EXTRAS.items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in reqs]
    readme = _readme()
    if readme:
        lines.append("Description-Content-Type: text/markdown")
        return "\n".join(lines) + "\n\n" + readme
    return "\n".join(lines) + "\n"


def _version_py(built_from) -> bytes:
    return (
        '"""Written by the build backend (_build/backend.py)."""\n'
        "from typing import Optional\n\n"
        f"__version__: str = {version()!r}\n"
        f"BUILT_FROM: Optional[str] = {built_from!r}\n"
    ).encode()


def _package_files():
    """(path in the archive, absolute path) of every file the package ships."""
    out = []
    for top in TOP_LEVEL:
        path = os.path.join(HERE, top)
        if os.path.isfile(path):
            out.append((top, path))
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".pyc", ".pyo")):
                    continue
                full = os.path.join(dirpath, name)
                out.append((os.path.relpath(full, HERE).replace(os.sep, "/"), full))
    return out


class _Wheel:
    def __init__(self, directory: str, editable: bool = False):
        self.dist_info = f"{NAME}-{version()}.dist-info"
        self.filename = f"{NAME}-{version()}-{TAG}.whl"
        self.path = os.path.join(directory, self.filename)
        self.records = []
        self.zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)

    def add(self, arcname: str, data: bytes) -> None:
        info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.records.append(f"{arcname},sha256={digest},{len(data)}")

    def finish(self) -> str:
        self.add(f"{self.dist_info}/METADATA", _metadata().encode())
        self.add(f"{self.dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: remotemedia-backend\nRoot-Is-Purelib: true\nTag: {TAG}\n".encode())
        self.add(f"{self.dist_info}/top_level.txt", b"remotemedia\nremotemedia_runtime\n")
        record = f"{self.dist_info}/RECORD"
        self.records.append(f"{record},,")
        info = zipfile.ZipInfo(record, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, "\n".join(self.records) + "\n")
        self.zip.close()
        return self.filename


# -- PEP 517 / 660 hooks ---------------------------------------------------------------------
def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist_info = os.path.join(metadata_directory, f"{NAME}-{version()}.dist-info")
    os.makedirs(dist_info, exist_ok=True)
    with open(os.path.join(dist_info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return os.path.basename(dist_info)


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    root, _ = _runtime_core_dir()
    wheel = _Wheel(wheel_directory)
    for arcname, full in _package_files():
        if arcname == "remotemedia/_version.py":
            wheel.add(arcname, _version_py(root))
            continue
        with open(full, "rb") as f:
            wheel.add(arcname, f.read())
    return wheel.finish()


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    wheel = _Wheel(wheel_directory)
    wheel.add("remotemedia_editable.pth", (HERE + "\n").encode())
    return wheel.finish()


def build_sdist(sdist_directory, config_settings=None):
    base = f"{NAME}-{version()}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        def add(arcname, data):
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))

        files = _package_files() + [("pyproject.toml", os.path.join(HERE, "pyproject.toml")), ("_build/backend.py", os.path.abspath(__file__))]
        if os.path.isfile(os.path.join(HERE, "README.md")):
            files.append(("README.md", os.path.join(HERE, "README.md")))
        for arcname, full in files:
            if arcname == "remotemedia/_version.py":
                add(arcname, _version_py(None))
                continue
            with open(full, "rb") as f:
                add(arcname, f.read())
        add("PKG-INFO", _metadata().encode())
    return filename


if __name__ == "__main__":  # python3 _build/backend.py [out-dir]: builds the wheel
    import sys

    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "dist")
    os.makedirs(out, exist_ok=True)
    print(os.path.join(out, build_wheel(out)))
