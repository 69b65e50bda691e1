"""Python code running RemoteMedia pipelines: `python3 examples/python-node/call_from_python.py`.

In this repository the SDK is found next door; from an npm install, put
node_modules/@remotemedia/runtime-core/python on PYTHONPATH instead.
"""
import asyncio
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "packages", "runtime-core", "python"))

from remotemedia.runtime import execute_pipeline_with_input, get_runtime_version  # noqa: E402

CALCULATOR = {
    "version": "v1",
    "metadata": {"name": "calc"},
    "nodes": [{"id": "calc", "nodeType": "Calculator", "params": {"operation": "add", "operand": 5}}],
}

# A pipeline with a Python node: the bridge starts it in its own process, like any runtime would.
WORDS = {
    "version": "v1",
    "metadata": {"name": "words"},
    "nodes": [{"id": "words", "nodeType": "Words", "executor": "multiprocess"}],
    "settings": {"python": {"modules": [os.path.join(HERE, "nodes", "example_nodes.py")]}},
}


async def main():
    print("runtime", get_runtime_version())
    print(await execute_pipeline_with_input(CALCULATOR, [1, 2, 3]))  # [6, 7, 8]
    print(await execute_pipeline_with_input(WORDS, ["hello from python"]))  # ['hello', 'from', 'python']


if __name__ == "__main__":
    asyncio.run(main())
