"""The installed `remotemedia` package, run by test/python/python-package.test.ts in a fresh virtual
environment (system site packages off) after `pip install --no-index packages/runtime-core/python`.

Environment: RM_EXPECT_VERSION (package.json's version), RM_HTTP_URL / RM_GRPC_URL (live servers),
RM_SPEECH_WAV (a real speech recording), RM_EXPECT_GRPC=1 when grpcio must be importable.
"""
import array
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import unittest
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import remotemedia  # noqa: E402
import remotemedia_runtime  # noqa: E402
from remotemedia import Audio, Pipeline, PipelineError, connect  # noqa: E402
from remotemedia.nodes import (AudioFormatNode, AudioResampleNode, CalculatorNode, PassThroughNode,  # noqa: E402
                               SileroVADNode)

from mixed_nodes import PyBurst, PyFail, PyScale  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None

CALC = {"version": "v1", "metadata": {"name": "calc"},
        "nodes": [{"id": "calc", "nodeType": "Calculator", "params": {"operation": "add", "operand": 5}}]}
PT = {"version": "v1", "metadata": {"name": "pt"}, "nodes": [{"id": "pt", "nodeType": "PassThrough"}]}


def speech_16k_frames(frame_samples=320, seconds=6.0):
    """The first seconds of the speech fixture, 48 kHz stereo s16, as mono float32 frames at 48 kHz."""
    with wave.open(os.environ["RM_SPEECH_WAV"]) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (2, 2)
        rate = w.getframerate()
        raw = w.readframes(int(rate * seconds))
    pcm = array.array("h")
    pcm.frombytes(raw)
    if np is not None:
        samples = (np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0)
    else:
        samples = array.array("f", [x / 32768.0 for x in pcm])  # test input only
    step = frame_samples * 3 * 2  # 20 ms of 48 kHz stereo
    return rate, [samples[i:i + step] for i in range(0, len(samples) - step + 1, step)]


def vad_pipeline():
    p = Pipeline("vad")
    p.add_node(AudioFormatNode("mono", channels=1, inputChannels=2))
    p.add_node(AudioResampleNode("to16k", targetRate=16000))
    p.add_node(SileroVADNode("vad", eventsOnChangeOnly=False))
    return p


async def stream_vad(runtime=None):
    rate, frames = speech_16k_frames()
    p = vad_pipeline()
    events, audio = [], 0
    async with (p.stream() if runtime is None else p.stream(runtime=runtime)) as session:
        async def feed():
            for f in frames:
                await session.send(f, sample_rate=rate, channels=2)
            await session.end()

        feeder = asyncio.ensure_future(feed())
        async for out in session.outputs:
            if isinstance(out, Audio):
                audio += 1
                assert out.sample_rate == 16000 and out.channels == 1
            else:
                events.append(out)
        await feeder
    return len(frames), audio, events


class InstalledPackageTest(unittest.TestCase):
    def test_installed_not_from_the_source_tree(self):
        self.assertIn("site-packages", remotemedia.__file__)
        self.assertIn("site-packages", remotemedia_runtime.__file__)
        self.assertFalse(sys.flags.no_site)
        self.assertNotEqual(sys.prefix, sys.base_prefix, "runs in a virtual environment")

    def test_version_matches_the_npm_package(self):
        self.assertEqual(remotemedia.__version__, os.environ["RM_EXPECT_VERSION"])
        self.assertEqual(remotemedia_runtime.__version__, os.environ["RM_EXPECT_VERSION"])
        self.assertEqual(remotemedia_runtime.get_runtime_version(), os.environ["RM_EXPECT_VERSION"])
        self.assertTrue(remotemedia_runtime.is_available())

    def test_type_information_ships(self):
        self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(remotemedia.__file__), "py.typed")))
        import inspect
        sig = inspect.signature(CalculatorNode.__init__)
        self.assertEqual(str(sig.parameters["operation"].annotation), "Literal['add', 'subtract', 'multiply', 'divide']")

    def test_seed_api_runs_a_pipeline(self):
        self.assertEqual(asyncio.run(remotemedia_runtime.execute_pipeline_with_input(json.dumps(CALC), [1, 2, 3])), [6, 7, 8])
        self.assertEqual(remotemedia_runtime.execute_pipeline_with_input_sync(CALC, [10]), [15])
        self.assertEqual(asyncio.run(remotemedia_runtime.execute_pipeline(CALC)), [])

    def test_pipeline_built_in_python_with_ts_and_python_nodes(self):
        p = Pipeline("mixed")
        p.add_node(PassThroughNode("pass1"))
        p.add_node(CalculatorNode("calc", operation="add", operand=5))
        p.add_node(PyScale, name="scale", params={"factor": 3})
        p.add_node(PassThroughNode("pass2"))
        manifest = json.loads(p.serialize())
        self.assertEqual([n["nodeType"] for n in manifest["nodes"]], ["PassThrough", "Calculator", "PyScale", "PassThrough"])
        self.assertEqual(manifest["nodes"][2]["executor"], "multiprocess")
        self.assertEqual(asyncio.run(p.run([1, 2, 3])), [18, 21, 24])
        self.assertEqual(asyncio.run(remotemedia_runtime.execute_pipeline_with_input(p.serialize(), [0])), [15])

    def test_explicit_connections_fan_out(self):
        p = Pipeline("fan")
        src = p.add_node(PassThroughNode("src"))
        a = p.add_node(CalculatorNode("a", operation="add", operand=1))
        b = p.add_node(CalculatorNode("b", operation="multiply", operand=10))
        p.connect(src, a).connect(src, b)
        self.assertEqual(sorted(asyncio.run(p.run([2]))), [3, 20])

    def test_params_are_checked_in_python(self):
        with self.assertRaises(ValueError) as ctx:
            CalculatorNode("c", operation="pow", operand="x")
        self.assertIn("CalculatorNode('c').operation: expected one of 'add'", str(ctx.exception))
        self.assertIn("CalculatorNode('c').operand: expected a number", str(ctx.exception))
        with self.assertRaises(ValueError):
            SileroVADNode(threshold=1.5)
        with self.assertRaises(TypeError):
            SileroVADNode(bogus=1)  # type: ignore[call-arg]

    def test_bad_manifest_is_a_value_error_naming_the_path(self):
        bad = {"version": "v1", "metadata": {"name": "bad"}, "nodes": [{"id": "a", "nodeType": "Calculator", "params": {"operation": "pow", "operand": 1}}]}
        with self.assertRaises(ValueError) as ctx:
            remotemedia_runtime.execute_pipeline_with_input_sync(bad, [1])
        self.assertIn("nodes[0].params.operation", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            remotemedia_runtime.execute_pipeline_with_input_sync(PT, [{"x": object()}])
        self.assertIn("inputs[0].x", str(ctx.exception))

    def test_failing_node_is_a_runtime_error_with_its_node_id(self):
        p = Pipeline("fails")
        p.add_node(PassThroughNode("first"))
        p.add_node(PyFail, name="breaker")
        with self.assertRaises(RuntimeError) as ctx:
            asyncio.run(p.run([7]))
        self.assertIsInstance(ctx.exception, PipelineError)
        self.assertEqual(ctx.exception.node_id, "breaker")
        self.assertIn("PyFail refuses 7", str(ctx.exception))
        with self.assertRaises(remotemedia_runtime.PipelineError) as ctx:
            remotemedia_runtime.execute_pipeline_with_input_sync(CALC, ["not a number"])
        self.assertEqual((ctx.exception.node_id, ctx.exception.code), ("calc", "invalid_argument"))

    def test_node_js_missing_says_what_to_set(self):
        script = "import remotemedia_runtime as r\nprint(r.is_available())\ntry:\n    r.execute_pipeline_with_input_sync({}, [])\nexcept RuntimeError as e:\n    print(type(e).__name__ + ': ' + str(e))\n"
        env = {k: v for k, v in os.environ.items() if k not in ("REMOTEMEDIA_NODE", "REMOTEMEDIA_NODE_BRIDGE")}
        env["PATH"] = os.path.dirname(sys.executable)  # the venv's bin: python, no node
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir())
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("False", out.stdout)
        self.assertIn("RuntimeNotAvailableError: Node.js not found", out.stdout)
        self.assertIn("REMOTEMEDIA_NODE=/path/to/node", out.stdout)
        env["REMOTEMEDIA_NODE"] = "/nonexistent/node"
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        self.assertIn("REMOTEMEDIA_NODE='/nonexistent/node' is not an executable file", out.stdout)

    def test_finds_the_runtime_core_npm_package(self):
        # Installed in a venv, the package finds runtime-core: in node_modules of the working
        # directory or a parent (a project that ran `npm install @remotemedia/runtime-core`), else
        # through REMOTEMEDIA_RUNTIME_CORE, else where the wheel was built from.
        script = "import json\nfrom remotemedia.runtime import runtime_info\nprint(json.dumps(runtime_info()))"
        core = os.path.realpath(os.environ["RM_RUNTIME_CORE"])
        project = tempfile.mkdtemp()
        os.makedirs(os.path.join(project, "node_modules", "@remotemedia"))
        os.symlink(core, os.path.join(project, "node_modules", "@remotemedia", "runtime-core"))
        os.makedirs(os.path.join(project, "src", "app"))

        def info(cwd, **env):
            out = subprocess.run([sys.executable, "-c", script], cwd=cwd, env=dict(os.environ, **env), capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            return json.loads(out.stdout)

        found = info(os.path.join(project, "src", "app"))
        self.assertEqual((found["found_by"], found["runtime_core"]), ("node_modules of the working directory or a parent", core))
        found = info(tempfile.gettempdir(), REMOTEMEDIA_RUNTIME_CORE=core)
        self.assertEqual((found["found_by"], found["runtime_core"]), ("REMOTEMEDIA_RUNTIME_CORE", core))
        found = info(tempfile.gettempdir())
        self.assertEqual((found["found_by"], found["runtime_core"]), ("the directory this wheel was built from", core))
        self.assertTrue(os.path.isfile(found["command"][-1]), "the bridge script exists")

    def test_runtime_core_not_found_says_what_to_set(self):
        env = dict(os.environ, REMOTEMEDIA_RUNTIME_CORE=tempfile.gettempdir())
        script = "import remotemedia_runtime as r\ntry:\n    r.get_runtime_version()\nexcept RuntimeError as e:\n    print(e)\n"
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        self.assertIn("is not the @remotemedia/runtime-core npm package", out.stdout)

    def test_stream_real_speech_through_silero_vad(self):
        frames, audio, events = asyncio.run(stream_vad())
        # One output per 20 ms frame, plus what the resampler and the VAD flush at the end.
        self.assertTrue(frames <= audio <= frames + 1, (frames, audio))
        self.assertTrue(frames <= len(events) <= frames + 2, (frames, len(events)))
        self.assertTrue(any(e["hasSpeech"] for e in events), "speech is detected in a speech recording")
        self.assertTrue(any(e["speechStart"] for e in events))
        self.assertTrue(all(0.0 <= e["probability"] <= 1.0 for e in events))

    def test_stream_cancellation_and_errors(self):
        async def main():
            async with remotemedia_runtime.stream(PT) as s:
                await s.send("one")
                self.assertEqual(await s.recv(), "one")
                s.cancel()
                self.assertEqual([o async for o in s.outputs], [])
                with self.assertRaises(RuntimeError):
                    await s.send("two")
            async with remotemedia_runtime.stream(CALC) as s:
                with self.assertRaises(PipelineError) as ctx:
                    await s.send("nope")
                    await s.end()
                    [o async for o in s.outputs]
                self.assertEqual(ctx.exception.node_id, "calc")
            # Leaving the block early cancels the session; the runtime keeps working.
            async with remotemedia_runtime.stream(PT) as s:
                await s.send(1)
            return await remotemedia_runtime.execute_pipeline_with_input(CALC, [1])

        self.assertEqual(asyncio.run(main()), [6])

    def test_stream_output_backpressure_holds_the_pipeline(self):
        counter = os.path.join(tempfile.mkdtemp(), "count")
        p = Pipeline("burst")
        # 64 KiB outputs, so OS pipe buffers hold about one: what is produced is what the runtime holds.
        p.add_node(PyBurst, name="burst", params={"counter": counter, "count": 5000, "size": 65536})

        async def main():
            async with p.stream(window=4) as s:
                await s.send(0)
                got = [await s.recv() for _ in range(3)]
                await asyncio.sleep(1.0)  # a consumer that lags: the node must stop, not run ahead
                with open(counter) as f:
                    produced = int(f.read())
                return got, produced

        got, produced = asyncio.run(main())
        self.assertEqual(got, [bytes([i]) * 65536 for i in range(3)])
        self.assertLess(produced, 500, "outputs beyond the window stay unproduced until the consumer takes them")

    def test_http_server(self):
        server = connect(os.environ["RM_HTTP_URL"])
        self.addCleanup(server.close)
        self.assertEqual(type(server).__name__, "HttpClient")
        self.assertEqual(server.get_runtime_version(), os.environ["RM_EXPECT_VERSION"])
        p = Pipeline("calc")
        p.add_node(CalculatorNode("add5", operation="add", operand=5))
        self.assertEqual(asyncio.run(p.run([1, 2, 3], runtime=server)), [6, 7, 8])
        self.assertEqual(server.execute_pipeline_with_input_sync(PT, ["héllo", b"\x00\xff", {"a": [1, None]}]), ["héllo", b"\x00\xff", {"a": [1, None]}])
        with self.assertRaises(ValueError) as ctx:
            server.execute_pipeline_with_input_sync({"version": "v1", "metadata": {"name": "b"}, "nodes": [{"id": "x", "nodeType": "NoSuchNode"}]}, [1])
        self.assertIn("nodes[0].nodeType", str(ctx.exception))
        with self.assertRaises(PipelineError) as ctx:
            server.execute_pipeline_with_input_sync(CALC, ["nope"])
        self.assertEqual(ctx.exception.node_id, "calc")
        frames, audio, events = asyncio.run(stream_vad(server))
        self.assertTrue(frames <= audio <= frames + 1 and frames <= len(events) <= frames + 2, (frames, audio, len(events)))
        self.assertTrue(any(e["hasSpeech"] for e in events))

    def test_grpc_server(self):
        if os.environ.get("RM_EXPECT_GRPC") != "1":
            with self.assertRaises(ImportError) as ctx:
                connect(os.environ["RM_GRPC_URL"])
            self.assertIn("grpcio", str(ctx.exception))
            return
        server = connect(os.environ["RM_GRPC_URL"])
        self.addCleanup(server.close)
        self.assertEqual(type(server).__name__, "GrpcClient")
        self.assertEqual(server.get_runtime_version(), os.environ["RM_EXPECT_VERSION"])
        p = Pipeline("calc")
        p.add_node(CalculatorNode("add5", operation="add", operand=5))
        self.assertEqual(asyncio.run(p.run([1, 2, 3], runtime=server)), [6, 7, 8])
        self.assertEqual(server.execute_pipeline_with_input_sync(PT, ["héllo", b"\x00\xff", {"a": [1, None]}]), ["héllo", b"\x00\xff", {"a": [1, None]}])
        with self.assertRaises(ValueError) as ctx:
            server.execute_pipeline_with_input_sync({"version": "v1", "metadata": {"name": "b"}, "nodes": [{"id": "x", "nodeType": "NoSuchNode"}]}, [1])
        self.assertIn("nodes[0].nodeType", str(ctx.exception))
        with self.assertRaises(PipelineError) as ctx:
            server.execute_pipeline_with_input_sync(CALC, ["nope"])
        self.assertEqual(ctx.exception.node_id, "calc")
        frames, audio, events = asyncio.run(stream_vad(server))
        self.assertTrue(frames <= audio <= frames + 1 and frames <= len(events) <= frames + 2, (frames, audio, len(events)))
        self.assertTrue(any(e["hasSpeech"] for e in events))

    @unittest.skipIf(np is None, "numpy is not installed in this environment")
    def test_numpy_in_and_out(self):
        x = np.linspace(-1, 1, 960, dtype=np.float32)
        async def main():
            async with remotemedia_runtime.stream(PT) as s:
                await s.send(x, sample_rate=48000)
                await s.send(np.arange(6, dtype=np.int16).reshape(2, 3))
                return await s.recv(), await s.recv()
        a, t = asyncio.run(main())
        self.assertIsInstance(a.samples, np.ndarray)
        self.assertEqual(a.samples.dtype, np.float32)
        self.assertTrue(np.array_equal(a.samples, x))
        self.assertEqual((t.dtype, t.shape), (np.int16, (2, 3)))


if __name__ == "__main__":
    unittest.main()
