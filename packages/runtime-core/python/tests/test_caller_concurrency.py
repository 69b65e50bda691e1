"""Blocking calls from many threads, async calls and streams at the same time share one bridge:
whichever thread reads the pipe dispatches every call's answers."""
import asyncio
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from remotemedia.runtime import (execute_pipeline_with_input, execute_pipeline_with_input_sync,  # noqa: E402
                                 get_runtime_version, stream)

CALC = {"version": "v1", "metadata": {"name": "calc"},
        "nodes": [{"id": "calc", "nodeType": "Calculator", "params": {"operation": "add", "operand": 5}}]}
PT = {"version": "v1", "metadata": {"name": "pt"}, "nodes": [{"id": "pt", "nodeType": "PassThrough"}]}


class CallerConcurrencyTest(unittest.TestCase):
    def test_threads_async_calls_and_streams_at_once(self):
        errors = []
        results = {}

        def blocking_worker(k):
            try:
                results[k] = [execute_pipeline_with_input_sync(CALC, [k * 1000 + i])[0] for i in range(150)]
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        async def async_side():
            async def one_stream(tag):
                async with stream(PT) as s:
                    async def feed():
                        for i in range(200):
                            await s.send(f"{tag}-{i}")
                        await s.end()
                    sender = asyncio.ensure_future(feed())
                    got = [o async for o in s.outputs]
                    await sender
                    return got

            calls = [execute_pipeline_with_input(CALC, [i]) for i in range(50)]
            return await asyncio.gather(one_stream("a"), one_stream("b"), *calls)

        threads = [threading.Thread(target=blocking_worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        a, b, *unary = asyncio.run(async_side())
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        for k in range(4):
            self.assertEqual(results[k], [k * 1000 + i + 5 for i in range(150)])
        self.assertEqual(a, [f"a-{i}" for i in range(200)])
        self.assertEqual(b, [f"b-{i}" for i in range(200)])
        self.assertEqual(unary, [[i + 5] for i in range(50)])
        self.assertRegex(get_runtime_version(), r"^\d+\.\d+\.\d+")

    def test_cancelling_a_sender_held_back_by_backpressure(self):
        async def main():
            async with stream(PT, window=2, in_flight=2) as s:
                sent = []

                async def flood():
                    for i in range(10000):
                        await s.send(i)
                        sent.append(i)

                task = asyncio.ensure_future(flood())
                await asyncio.sleep(0.5)  # nobody reads the outputs: the sender must be held back
                self.assertFalse(task.done())
                self.assertLess(len(sent), 10000)
                task.cancel()
                with self.assertRaises(asyncio.CancelledError):
                    await task
                first = await s.recv()  # the session is still usable after its sender was cancelled
            # leaving the block cancelled the session; the runtime goes on
            return first, await execute_pipeline_with_input(CALC, [2])

        first, after = asyncio.run(main())
        self.assertEqual((first, after), (0, [7]))

    def test_blocking_call_timeout(self):
        slow = {"version": "v1", "metadata": {"name": "slow"},
                "nodes": [{"id": "d", "nodeType": "PassThrough"}]}
        # A timeout that cannot be met raises TimeoutError and leaves the bridge usable.
        import concurrent.futures
        with self.assertRaises(concurrent.futures.TimeoutError):
            execute_pipeline_with_input_sync(slow, list(range(20000)), timeout=0.000001)
        self.assertEqual(execute_pipeline_with_input_sync(CALC, [1]), [6])


if __name__ == "__main__":
    unittest.main()
