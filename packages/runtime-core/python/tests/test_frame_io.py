"""Tests of remotemedia.frame_io: frames read from and written to real pipes."""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from remotemedia import protocol as p  # noqa: E402
from remotemedia.frame_io import FdFrameReader, write_all  # noqa: E402


def frame(rid, size, ftype=p.OUTPUT):
    body = bytes((rid * 7 + i) & 255 for i in range(size))
    return p.HEADER.pack(p.HEADER_SIZE - 4 + size, ftype, 0, 0, rid) + body


class FrameIoTest(unittest.TestCase):
    def read_all(self, stream, chunk_sizes, scratch_bytes=1 << 16):
        """Writes `stream` into a pipe in chunks of the given sizes (cycled), returns the frames read."""
        r, w = os.pipe()
        self.addCleanup(os.close, r)

        def feed():
            pos, i = 0, 0
            while pos < len(stream):
                n = chunk_sizes[i % len(chunk_sizes)]
                os.write(w, stream[pos : pos + n])
                pos, i = pos + n, i + 1
            os.close(w)

        writer = threading.Thread(target=feed)
        writer.start()
        reader = FdFrameReader(r, scratch_bytes)
        frames = []
        try:
            while True:
                frames += reader.read()
        except EOFError:
            pass
        writer.join()
        self.assertFalse(reader.partial)
        return frames

    def test_small_and_big_frames_split_anywhere_come_back_whole_and_writable(self):
        sizes = [0, 5, 3840, 100_000, 7, 1 << 20, 65_000, 12]
        stream = b"".join(frame(i + 1, n) for i, n in enumerate(sizes))
        for chunks in ([len(stream)], [1], [7, 3, 65_536], [4096, 13], [200_000]):
            with self.subTest(chunks=chunks[:3]):
                first3 = len(frame(1, 0) + frame(2, 5) + frame(3, 3840))
                frames = self.read_all(stream, chunks) if chunks != [1] else self.read_all(stream[:first3], chunks)
                expected = sizes if chunks != [1] else [0, 5, 3840]
                self.assertEqual([rid for _, _, rid, _ in frames], list(range(1, len(expected) + 1)))
                for (ftype, _, rid, f), n in zip(frames, expected):
                    self.assertEqual(ftype, p.OUTPUT)
                    self.assertEqual(bytes(f), frame(rid, n))
                    self.assertIsInstance(f, bytearray)  # numpy views of it must be writable

    def test_frames_do_not_share_memory_with_the_next_read(self):
        stream = frame(1, 100) + frame(2, 100)
        f1, f2 = [f for _, _, _, f in self.read_all(stream, [len(stream)], scratch_bytes=256)]
        f1[20] ^= 0xFF
        self.assertEqual(bytes(f2), frame(2, 100))

    def test_rejects_an_impossible_frame_length(self):
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        os.write(w, p.HEADER.pack(2, p.OUTPUT, 0, 0, 1))
        os.close(w)
        with self.assertRaisesRegex(p.ProtocolError, "bad frame length 2"):
            FdFrameReader(r).read()

    def test_write_all_finishes_partial_writes_in_order(self):
        r, w = os.pipe()  # a pipe holds 64 KiB: a 1 MiB writev is written in many parts
        head, payload, tail = b"head", bytes(range(256)) * 4096, b"tail"
        writer = threading.Thread(target=lambda: (write_all(w, [head, memoryview(payload), tail]), os.close(w)))
        writer.start()
        got = bytearray()
        while True:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            got += chunk
        writer.join()
        os.close(r)
        self.assertEqual(bytes(got), head + payload + tail)


if __name__ == "__main__":
    unittest.main()
