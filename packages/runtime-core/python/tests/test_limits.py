"""Tests of the worker's limits (issue 23): frame size on both directions, memory, error sizes."""
import os
import subprocess
import sys
import unittest
from unittest import mock

SDK = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SDK)

from remotemedia import Binary, Text  # noqa: E402
from remotemedia import protocol as p  # noqa: E402
from remotemedia import worker  # noqa: E402
from remotemedia.frame_io import FdFrameReader  # noqa: E402


class FrameLimitTest(unittest.TestCase):
    def test_the_reader_rejects_a_length_over_the_limit_at_once(self):
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        os.write(w, b"\xff\xff\xff\x7f" + b"junk" * 16)  # claims ~2 GiB; the writer stays open
        self.addCleanup(os.close, w)
        with self.assertRaisesRegex(p.ProtocolError, "frame length 2147483647 bytes is over the limit maxFrameBytes=1048576"):
            FdFrameReader(r, max_frame_bytes=1 << 20).read()

    def test_writing_a_frame_over_the_limit_raises_before_anything_is_written(self):
        with mock.patch.object(p, "MAX_FRAME_BYTES", 1000):
            p.data_frame(p.OUTPUT, 1, Binary(bytes(900)))
            with self.assertRaisesRegex(p.FrameTooLargeError, r"output of \d+ bytes is over the limit maxFrameBytes=1000"):
                p.data_frame(p.OUTPUT, 1, Binary(bytes(1000)))
            with self.assertRaises(p.FrameTooLargeError):
                p.data_frame(p.OUTPUT, 1, Text("x" * 2000))
            with self.assertRaises(p.FrameTooLargeError):
                p.json_frame(p.PROGRESS, 1, {"message": "x" * 2000})
        self.assertEqual(worker.error_body(p.FrameTooLargeError("too big"))["code"], "resource_exhausted")

    def test_the_limit_comes_from_the_environment(self):
        out = subprocess.run(
            [sys.executable, "-c", "from remotemedia import protocol; print(protocol.MAX_FRAME_BYTES)"],
            env={**os.environ, "PYTHONPATH": SDK, "REMOTEMEDIA_MAX_FRAME_BYTES": "4096"}, capture_output=True, text=True, check=True,
        )
        self.assertEqual(out.stdout.strip(), "4096")


class ErrorBodyTest(unittest.TestCase):
    def test_messages_are_cut(self):
        body = worker.error_body(RuntimeError("x" * 100_000))
        self.assertLess(len(body["message"]), worker.MAX_MESSAGE_CHARS + 100)
        self.assertIn("(96000 more characters)", body["message"])

    def test_memory_error_is_resource_exhausted(self):
        self.assertEqual(worker.error_body(MemoryError())["code"], "resource_exhausted")


class MemoryLimitTest(unittest.TestCase):
    def run_limited(self, mb, allocate_mb):
        code = (
            "from remotemedia import worker; worker._limit_memory()\n"
            f"try:\n    b = bytearray({allocate_mb} << 20); print('ok')\nexcept MemoryError:\n    print('MemoryError')\n"
        )
        env = {**os.environ, "PYTHONPATH": SDK, "REMOTEMEDIA_MAX_MEMORY_MB": str(mb)}
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()

    def test_an_allocation_beyond_the_limit_raises_memory_error(self):
        self.assertEqual(self.run_limited(128, 512), "MemoryError")
        self.assertEqual(self.run_limited(128, 16), "ok")

    def test_zero_means_no_limit(self):
        self.assertEqual(self.run_limited(0, 512), "ok")


if __name__ == "__main__":
    unittest.main()
