"""Python nodes for the installed-package tests (imported by the node processes by file path)."""

from remotemedia import Node, register_node


@register_node("PyScale")
class PyScale(Node):
    """Multiplies JSON numbers by params.factor."""

    accepts = ["json"]
    produces = ["json"]

    def initialize(self):
        self.factor = self.params.get("factor", 2)

    def process(self, data):
        return data.value * self.factor


@register_node("PyFail")
class PyFail(Node):
    def process(self, data):
        raise RuntimeError(f"PyFail refuses {data.value!r}")


@register_node("PyBurst")
class PyBurst(Node):
    """Yields params.count outputs per input (params.size bytes each, else their number), counting
    them in the file params.counter."""

    def process(self, data):
        path = self.params["counter"]
        size = self.params.get("size")
        for i in range(self.params.get("count", 1000)):
            with open(path, "w") as f:
                f.write(str(i + 1))
            yield bytes([i % 256]) * size if size else i
