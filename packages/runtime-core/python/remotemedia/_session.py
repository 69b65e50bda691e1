"""StreamSession: one streaming pipeline session seen from asyncio, whatever carries it (the local
Node bridge, an HTTP server, a gRPC server).

Backpressure both ways: ``send`` returns once the pipeline accepted the input; outputs are
delivered against a window (``window`` outputs not yet taken by the consumer), so a slow consumer
holds the pipeline back instead of buffering without bound.
"""
from __future__ import annotations

import asyncio
import collections
import threading
from typing import Any, AsyncIterator, Callable, Deque, Mapping, Optional

from .data import Audio, Json, to_runtime_data


def marshal_input(value: Any, path: str, sample_rate: Optional[int] = None, channels: int = 1):
    """A Python value -> RuntimeData (ValueError naming ``path`` when it cannot be converted).

    With ``sample_rate``, an array of samples (numpy float32, array('f'), bytes of float32 LE,
    list of floats) becomes audio, without a per-sample loop for numpy and array('f')."""
    if sample_rate is not None and not hasattr(value, "kind"):
        return Audio(samples=value, sample_rate=int(sample_rate), channels=int(channels))
    if value is None:
        return Json(None)
    try:
        return to_runtime_data(value, path)
    except TypeError as exc:
        raise ValueError(f"cannot marshal {path}: {exc}") from exc


_END = object()


class StreamSession:
    """A streaming session: ``await send(x)``, ``async for out in outputs``, ``await end()``.

    Use it as ``async with``: leaving the block cancels the session if it has not finished
    (after ``end()`` and reading every output it has). ``cancel()`` stops it at once;
    outputs then end without an error.
    """

    def __init__(self, window: int = 32):
        self._loop = asyncio.get_running_loop()
        self._window = max(1, int(window))
        self._buffer: Deque[Any] = collections.deque()
        self._waiter: Optional[asyncio.Future] = None
        self._finished = False
        self._error: Optional[BaseException] = None
        self._cancelled = False
        self._ended = False
        self._consumed = 0
        self._sent = 0
        #: Thread-side producers (remote backends) wait on this before delivering an output.
        self._slots = threading.Semaphore(self._window)
        self.session_id: Optional[str] = None

    # -- backend hooks (override) ------------------------------------------------------------
    async def _send(self, data, metadata: Optional[Mapping[str, str]]) -> None:
        raise NotImplementedError

    async def _end(self) -> None:
        raise NotImplementedError

    def _cancel(self) -> None:
        raise NotImplementedError

    def _took(self, n: int) -> None:
        """The consumer took ``n`` outputs (default: free slots for thread-side producers)."""
        for _ in range(n):
            self._slots.release()

    # -- delivery (call from the loop thread, or through the *_threadsafe variants) ------------
    def _deliver(self, value) -> None:
        if self._finished:
            return
        self._buffer.append(value)
        self._wake()

    def _finish(self, error: Optional[BaseException] = None) -> None:
        if self._finished:
            return
        self._finished = True
        if error is not None and not self._cancelled:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def deliver_threadsafe(self, value) -> None:
        self._loop.call_soon_threadsafe(self._deliver, value)

    def put_blocking(self, value) -> bool:
        """From a producer thread: waits for a free slot, then delivers. False once the session is over."""
        while not self._slots.acquire(timeout=0.2):
            if self._finished:
                return False
        if self._finished:
            return False
        self._loop.call_soon_threadsafe(self._deliver, value)
        return True

    def finish_threadsafe(self, error: Optional[BaseException] = None) -> None:
        try:
            self._loop.call_soon_threadsafe(self._finish, error)
        except RuntimeError:  # the loop is closed
            pass

    # -- public API --------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True once the outputs have ended (or the session failed or was cancelled)."""
        return self._finished and not self._buffer

    async def _opened(self) -> None:
        """Remote sessions: resolves once the server opened the session (override)."""

    async def send(self, data: Any, *, sample_rate: Optional[int] = None, channels: int = 1,
                   metadata: Optional[Mapping[str, str]] = None) -> None:
        """Sends one input; returns once the pipeline has accepted it (backpressure; local
        sessions let a few inputs travel ahead, see ``stream(in_flight=...)``).

        ``data`` is any value ``execute_pipeline_with_input`` takes; with ``sample_rate`` a numpy
        float32 array (or array('f'), float32 bytes) is sent as audio.
        """
        if self._error is not None:
            raise self._error
        if self._finished or self._ended:
            raise RuntimeError("the session has ended; no more input can be sent")
        value = marshal_input(data, f"inputs[{self._sent}]", sample_rate, channels)
        self._sent += 1
        await self._send(value, metadata)

    async def end(self) -> None:
        """No more input: nodes flush, and ``outputs`` ends once the pipeline has drained."""
        if self._ended or self._finished:
            return
        self._ended = True
        await self._end()

    def cancel(self) -> None:
        """Stops the session now: in-flight work is cancelled; ``outputs`` ends without error."""
        if self._finished:
            return
        self._cancelled = True
        self._ended = True
        self._cancel()
        self._finish(None)
        self._buffer.clear()

    async def recv(self) -> Any:
        """The next output, or None once the outputs have ended. Raises the pipeline's error."""
        value = await self._next()
        return None if value is _END else value

    async def _next(self) -> Any:
        while not self._buffer:
            if self._finished:
                if self._error is not None:
                    raise self._error
                return _END
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        value = self._buffer.popleft()
        self._consumed += 1
        if self._consumed >= max(1, self._window // 2):
            n, self._consumed = self._consumed, 0
            self._took(n)
        return value

    @property
    def outputs(self) -> AsyncIterator[Any]:
        """Every output, in order, until the pipeline has flushed after ``end()``."""
        return self._iterate()

    async def _iterate(self):
        while True:
            value = await self._next()
            if value is _END:
                return
            yield value

    async def __aenter__(self) -> "StreamSession":
        await self._opened()
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if not self._finished:
            self.cancel()


def run_in_thread(fn: Callable, *args) -> "asyncio.Future":
    return asyncio.get_running_loop().run_in_executor(None, fn, *args)
