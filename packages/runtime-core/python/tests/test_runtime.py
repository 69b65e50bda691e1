"""Tests of remotemedia.runtime (Python calling the runtime) and of the SDK's data model.

Run: ``python3 -m unittest discover -s packages/runtime-core/python/tests -t packages/runtime-core/python``
(runtime-core's vitest suite runs this file and asserts it passes).
"""
import asyncio
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from remotemedia import Audio, Binary, Json, Tensor, Text, to_runtime_data  # noqa: E402
from remotemedia import protocol as p  # noqa: E402
from remotemedia.runtime import (PipelineError, execute_pipeline, execute_pipeline_sync,  # noqa: E402
                                 execute_pipeline_with_input, execute_pipeline_with_input_sync,
                                 get_runtime_version, is_available)

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

CALCULATOR = {
    "version": "v1",
    "metadata": {"name": "calc"},
    "nodes": [{"id": "calc", "nodeType": "Calculator", "params": {"operation": "add", "operand": 5}}],
}
PASS_THROUGH = {"version": "v1", "metadata": {"name": "pt"}, "nodes": [{"id": "pt", "nodeType": "PassThrough"}]}


class RuntimeBridgeTest(unittest.TestCase):
    def test_calculator_add_5(self):
        self.assertEqual(asyncio.run(execute_pipeline_with_input(CALCULATOR, [1, 2, 3])), [6, 7, 8])

    def test_sync_wrapper_and_yaml_text_manifest(self):
        yaml_text = "version: v1\nmetadata: {name: y}\nnodes:\n  - {id: c, node_type: Calculator, params: {operation: multiply, operand: 2}}\n"
        self.assertEqual(execute_pipeline_with_input_sync(yaml_text, [1.5, 4]), [3.0, 8])

    def test_concurrent_calls_share_one_bridge(self):
        async def main():
            return await asyncio.gather(*(execute_pipeline_with_input(CALCULATOR, [i]) for i in range(8)))

        self.assertEqual(asyncio.run(main()), [[i + 5] for i in range(8)])

    def test_marshaling_of_plain_values(self):
        inputs = [None, True, False, 7, -2.5, "héllo 🌍", [1, "a", None, [2.5]], {"k": {"n": 1}}, b"\x00\x01\xfe\xff"]
        self.assertEqual(execute_pipeline_with_input_sync(PASS_THROUGH, inputs), inputs)

    def test_nan_and_infinity_become_none(self):
        out = execute_pipeline_with_input_sync(PASS_THROUGH, [float("nan"), [float("inf"), -math.inf, 1.0], {"x": float("nan")}])
        self.assertEqual(out, [None, [None, None, 1.0], {"x": None}])

    @unittest.skipIf(np is None, "numpy not installed")
    def test_numpy_arrays_become_tensors_and_come_back(self):
        arrays = [
            np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
            np.array([[1, -2], [3, 2**40]], dtype=np.int64),
            np.array([True, False, True]),
            np.arange(6, dtype=np.uint8).reshape(1, 2, 3),
            np.array([0.5, -1.25], dtype=np.float16),
        ]
        out = execute_pipeline_with_input_sync(PASS_THROUGH, arrays)
        for got, want in zip(out, arrays):
            self.assertEqual(got.dtype, want.dtype)
            self.assertEqual(got.shape, want.shape)
            self.assertTrue(np.array_equal(got, want))

    def test_runtime_data_objects_pass_as_they_are(self):
        audio = Audio(samples=[0.0, 0.5, -1.0, 0.25], sample_rate=16000, channels=2, stream_id="mic")
        out = execute_pipeline_with_input_sync(PASS_THROUGH, [audio, Text("hi", channel="transcript")])
        self.assertEqual(out[0].sample_rate, 16000)
        self.assertEqual(out[0].channels, 2)
        self.assertEqual(out[0].stream_id, "mic")
        self.assertEqual([float(x) for x in out[0].samples], [0.0, 0.5, -1.0, 0.25])
        self.assertEqual(out[1], "hi")

    def test_bad_manifest_raises_value_error_listing_problems(self):
        bad = {"version": "v1", "metadata": {"name": "bad"}, "nodes": [
            {"id": "a", "nodeType": "Calculator", "params": {"operation": "pow", "operand": 1}},
            {"id": "b", "nodeType": "NoSuchNode"},
        ]}
        with self.assertRaises(ValueError) as ctx:
            execute_pipeline_with_input_sync(bad, [1])
        message = str(ctx.exception)
        self.assertIn("nodes[0].params.operation", message)
        self.assertIn('unknown node type "NoSuchNode"', message)

    def test_unmarshalable_input_raises_value_error(self):
        with self.assertRaises(ValueError) as ctx:
            execute_pipeline_with_input_sync(PASS_THROUGH, [{"x": object()}])
        self.assertIn("inputs[0].x", str(ctx.exception))

    def test_execution_error_raises_runtime_error(self):
        with self.assertRaises(RuntimeError) as ctx:
            asyncio.run(execute_pipeline_with_input(CALCULATOR, ["not a number"]))
        self.assertIsInstance(ctx.exception, PipelineError)
        self.assertEqual(ctx.exception.code, "invalid_argument")
        self.assertEqual(ctx.exception.node_id, "calc")
        self.assertIn("Calculator expects a number", str(ctx.exception))

    def test_execute_pipeline_without_input(self):
        self.assertEqual(asyncio.run(execute_pipeline(CALCULATOR)), [])
        self.assertEqual(execute_pipeline_sync(PASS_THROUGH), [])

    def test_version_and_availability(self):
        version = get_runtime_version()
        self.assertRegex(version, r"^\d+\.\d+\.\d+")
        self.assertTrue(is_available())


class DataModelTest(unittest.TestCase):
    def test_return_values_map_to_kinds(self):
        self.assertIsInstance(to_runtime_data("x"), Text)
        self.assertIsInstance(to_runtime_data(b"x"), Binary)
        self.assertIsInstance(to_runtime_data({"a": 1}), Json)
        self.assertIsInstance(to_runtime_data([1, 2]), Json)
        self.assertIsNone(to_runtime_data(None))
        if np is not None:
            t = to_runtime_data(np.zeros((2, 2), dtype=np.int32))
            self.assertIsInstance(t, Tensor)
            self.assertEqual((t.shape, t.dtype), ([2, 2], "int32"))

    def test_frames_round_trip_in_python(self):
        data = Text("ß", channel="c")
        frame = b"".join(bytes(b) for b in p.data_frame(p.OUTPUT, 5, data, {"k": "v"}))
        ((ftype, kind, rid, body),) = p.FrameReader().feed(frame)
        self.assertEqual((ftype, rid), (p.OUTPUT, 5))
        self.assertEqual(p.decode_data(kind, body), (data, {"k": "v"}))


if __name__ == "__main__":
    unittest.main()
