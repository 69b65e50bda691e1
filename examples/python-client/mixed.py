"""A pipeline of TypeScript and Python nodes, built and run from Python.

    python3 mixed.py            # TextCollector (TS) -> WordCount (Python) -> Calculator (TS)
"""
import asyncio

import remotemedia_runtime
from remotemedia import Pipeline
from remotemedia.nodes import CalculatorNode, TextCollectorNode

from word_nodes import WordCount


async def main():
    p = Pipeline("words")
    p.add_node(TextCollectorNode("sentences"))                       # TypeScript: text -> sentences
    p.add_node(WordCount, name="count")                             # Python, its own process
    p.add_node(CalculatorNode("x10", operation="multiply", operand=10))  # TypeScript
    print("manifest:", p.serialize())
    print("outputs:", await p.run(["Hello big world. How are ", "you today? Bye"]))
    # The same manifest through the seed's calling API.
    print("seed API:", await remotemedia_runtime.execute_pipeline_with_input(p.serialize(), ["One two three."]))
    print("runtime", remotemedia_runtime.get_runtime_version(), "package", remotemedia_runtime.__version__)


if __name__ == "__main__":
    asyncio.run(main())
