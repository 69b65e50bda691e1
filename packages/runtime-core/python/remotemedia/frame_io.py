"""Frames in and out of file descriptors with as few syscalls and copies as the protocol allows.

Measured on the 20 ms audio frame round trip (bench/python.bench.ts, strace): ``os.read(fd, 1 << 20)``
costs an mmap, an mremap and a munmap on top of the read, every call, because CPython allocates
the whole requested size first. Reading into one reused buffer drops those three syscalls; small
frames are then copied once into their own bytearray (numpy needs them writable and they may
outlive the next read), and a frame bigger than the buffer is read straight into its own storage.
"""
from __future__ import annotations

import io
import os

from . import protocol
from .protocol import HEADER, HEADER_SIZE, ProtocolError

#: Size of the reused read buffer: frames up to this size cost one read and one copy.
SCRATCH_BYTES = 1 << 16


class FdFrameReader:
    """Reads whole frames from ``fd`` (blocking or not); ``read()`` makes exactly one read call."""

    def __init__(self, fd: int, scratch_bytes: int = SCRATCH_BYTES, max_frame_bytes: int = 0):
        #: A longer length field raises ProtocolError at once (never waits for, or allocates, it).
        self.max_frame_bytes = max_frame_bytes or protocol.MAX_FRAME_BYTES
        self._file = io.FileIO(fd, "rb", closefd=False)
        self._scratch = bytearray(scratch_bytes)
        self._view = memoryview(self._scratch)
        self._start = 0  # unparsed bytes are scratch[start:end]
        self._end = 0
        # A frame larger than the scratch buffer, being filled in place: [frame, filled, ftype, kind, rid].
        self._big = None

    @property
    def partial(self) -> bool:
        """Whether a frame has started arriving but is not whole yet."""
        return self._big is not None or self._end > self._start

    def read(self):
        """One read. Returns the frames it completed as (type, kind, request id, whole frame),
        None when a non-blocking fd has nothing to read; raises EOFError at end of input."""
        big = self._big
        if big is not None:
            frame, filled = big[0], big[1]
            n = self._file.readinto(memoryview(frame)[filled:])
            if n is None:
                return None
            if n == 0:
                raise EOFError
            big[1] = filled = filled + n
            if filled < len(frame):
                return []
            self._big = None
            return [(big[2], big[3], big[4], frame)]
        start, end = self._start, self._end
        if start:
            # Keep the unparsed tail at the front (usually nothing: frames end where reads end).
            if start < end:
                self._scratch[: end - start] = bytes(self._view[start:end])  # the ranges may overlap
            end -= start
            start = 0
        n = self._file.readinto(self._view[end:])
        if n is None:
            self._start, self._end = start, end
            return None
        if n == 0:
            raise EOFError
        end += n
        frames = []
        scratch = self._scratch
        while end - start >= HEADER_SIZE:
            length, ftype, kind, _flags, rid = HEADER.unpack_from(scratch, start)
            if length < HEADER_SIZE - 4:
                raise ProtocolError(f"bad frame length {length}")
            if length > self.max_frame_bytes:
                raise ProtocolError(f"frame length {length} bytes is over the limit maxFrameBytes={self.max_frame_bytes}")
            size = 4 + length
            if end - start >= size:
                frames.append((ftype, kind, rid, bytearray(self._view[start : start + size])))
                start += size
                continue
            if size > len(scratch):
                frame = bytearray(size)
                have = end - start
                frame[:have] = self._view[start:end]
                self._big = [frame, have, ftype, kind, rid]
                start = end = 0
            break
        if start == end:
            start = end = 0
        self._start, self._end = start, end
        return frames


def write_all(fd: int, buffers) -> None:
    """Writes the buffers in order: one writev when the pipe takes them all (it usually does), and on
    a partial write the rest as views, never joined (joining a 1 MB tensor cost two copies)."""
    n = os.writev(fd, buffers)
    total = 0
    for b in buffers:
        total += len(b)
    if n == total:
        return
    rest = []
    for b in buffers:
        size = len(b)
        if n >= size:
            n -= size
            continue
        rest.append(memoryview(b)[n:] if n else b)
        n = 0
    while rest:
        n = os.writev(fd, rest)
        while n:
            size = len(rest[0])
            if n >= size:
                n -= size
                rest.pop(0)
            else:
                rest[0] = memoryview(rest[0])[n:]
                n = 0
