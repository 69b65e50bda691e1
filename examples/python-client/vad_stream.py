"""Streams a WAV file through SileroVAD from Python and prints the speech segments.

    python3 vad_stream.py fixtures/audio/speech-48k-stereo.wav                       # local runtime
    python3 vad_stream.py fixtures/audio/speech-48k-stereo.wav --server http://127.0.0.1:8080

The pipeline is built in Python from the generated node classes; the file is sent in 20 ms frames
(numpy arrays when numpy is installed) with backpressure, and the VAD's events are read as they come.
"""
import argparse
import array
import asyncio
import wave

from remotemedia import Audio, Pipeline, connect
from remotemedia.nodes import AudioFormatNode, AudioResampleNode, SileroVADNode

try:
    import numpy as np
except ImportError:  # the example runs without numpy too
    np = None


def read_frames(path, frame_ms=20):
    """(sample rate, channels, list of float32 frames) of a 16-bit PCM WAV file."""
    with wave.open(path) as w:
        if w.getsampwidth() != 2:
            raise SystemExit(f"{path}: expected 16-bit PCM")
        rate, channels = w.getframerate(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    if np is not None:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    else:
        pcm = array.array("h")
        pcm.frombytes(raw)
        samples = array.array("f", (x / 32768.0 for x in pcm))
    step = rate * frame_ms // 1000 * channels
    return rate, channels, [samples[i:i + step] for i in range(0, len(samples) - step + 1, step)]


def build_pipeline():
    p = Pipeline("vad")
    p.add_node(AudioFormatNode("mono", channels=1))
    p.add_node(AudioResampleNode("to16k", targetRate=16000))
    p.add_node(SileroVADNode("vad", eventsOnChangeOnly=True))
    return p


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("wav")
    parser.add_argument("--server", help="URL of a RemoteMedia HTTP or gRPC server (default: the local runtime)")
    args = parser.parse_args()
    rate, channels, frames = read_frames(args.wav)
    runtime = connect(args.server) if args.server else None
    p = build_pipeline()
    segments, start = [], None
    async with p.stream(runtime=runtime) as session:
        async def send_all():
            for frame in frames:
                await session.send(frame, sample_rate=rate, channels=channels)
            await session.end()

        sender = asyncio.ensure_future(send_all())
        async for out in session.outputs:
            if isinstance(out, Audio):
                continue
            if out["speechStart"]:
                start = out["timestampUs"] / 1e6
            if out["speechEnd"] and start is not None:
                segments.append((start, out["timestampUs"] / 1e6))
                start = None
        await sender
    for a, b in segments:
        print(f"speech {a:6.2f} s - {b:6.2f} s")
    print(f"{len(segments)} speech segments in {len(frames) * 0.02:.1f} s of audio")


if __name__ == "__main__":
    asyncio.run(main())
