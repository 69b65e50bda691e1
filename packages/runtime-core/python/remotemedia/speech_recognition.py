"""SpeechRecognition: CMU PocketSphinx (Debian ``python3-pocketsphinx`` + ``pocketsphinx-en-us``), offline.

Audio in (16 kHz mono float32), transcript events out as JSON::

    {"text": "what time is it", "final": true, "startUs": 640000, "endUs": 2100000, "confidence": 0.42}

Modes (param ``mode``):

- ``utterance`` (default): each audio input is one utterance (what ``AudioBufferAccumulator`` emits
  after a VAD); one final event per input (an empty ``text`` when nothing was recognised).
- ``vad``: the output of a VAD node (its audio chunks and its JSON events, in that order): audio is
  decoded while the user speaks (from the event's ``startUs``, taken from a 3 s look-back), and the
  final event comes at ``speechEnd`` after only the last search step: the lowest latency.
- ``stream``: a continuous stream; pocketsphinx's own voice detection cuts it, a final event per
  utterance, and partial events (``final: false``) every ``partialEveryMs`` when that is > 0.

JSON inputs (VAD events forwarded by an accumulator) are ignored. The node imports nothing heavy at
module import, so processes that do not use it start as fast as before.
"""
from __future__ import annotations

import glob
import os
import sys
from array import array

from .data import Audio
from .node import Node, RemoteMediaError, register_node

MODEL_DIR = "/usr/share/pocketsphinx/model/en-us"
SAMPLE_RATE = 16000
INSTALL_HINT = (
    "install the Debian packages python3-pocketsphinx and pocketsphinx-en-us "
    "(apt-get install python3-pocketsphinx pocketsphinx-en-us; listed in scripts/system-packages.txt)"
)


def _import_pocketsphinx():
    try:
        import pocketsphinx  # noqa: F401

        return pocketsphinx
    except ImportError:
        pass
    # Debian installs the binding for its own python3 in dist-packages; an interpreter of the same
    # version (pyenv, venv) can load it from there.
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    for d in ("/usr/lib/python3/dist-packages",):
        if glob.glob(os.path.join(d, "pocketsphinx", f"_pocketsphinx.{tag}*.so")) and d not in sys.path:
            sys.path.append(d)
            try:
                import pocketsphinx  # noqa: F811

                return pocketsphinx
            except ImportError:
                sys.path.remove(d)
    raise ImportError(
        f"SpeechRecognition needs PocketSphinx for Python {sys.version_info.major}.{sys.version_info.minor} "
        f"({sys.executable}): {INSTALL_HINT}; Debian's binding is built for /usr/bin/python3 "
        "(set REMOTEMEDIA_PYTHON=/usr/bin/python3 if another python3 comes first on PATH)"
    )


def _to_int16_bytes(samples) -> bytes:
    try:
        import numpy as np

        a = np.asarray(samples, dtype=np.float32)
        return (np.clip(a, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    except ImportError:
        out = array("h", (int(max(-1.0, min(1.0, s)) * 32767.0) for s in samples))
        if sys.byteorder != "little":
            out.byteswap()
        return out.tobytes()


def _mono(audio: Audio):
    if audio.channels == 1:
        return audio.samples
    ch = audio.channels
    s = audio.samples
    return [sum(s[i + c] for c in range(ch)) / ch for i in range(0, len(s), ch)]


@register_node("SpeechRecognition")
class SpeechRecognition(Node):
    """Offline speech recognition (CMU PocketSphinx, en-US): 16 kHz audio in, {text, final, startUs, endUs, confidence} JSON out."""

    accepts = ["audio", "json"]
    produces = ["json"]

    def initialize(self):
        params = self.params or {}
        unknown = set(params) - {"mode", "partialEveryMs", "grammar", "prerollMs", "secondPass"}
        if unknown:
            raise ValueError(f"SpeechRecognition: unknown params {sorted(unknown)} (known: mode, partialEveryMs, prerollMs, secondPass, grammar)")
        self.mode = params.get("mode", "utterance")
        if self.mode not in ("utterance", "vad", "stream"):
            raise ValueError(f'SpeechRecognition: mode must be "utterance", "vad" or "stream", got {self.mode!r}')
        self.partial_every_us = int(params.get("partialEveryMs", 0)) * 1000
        # The operator picks the model directory (env), never a manifest.
        model_dir = os.environ.get("REMOTEMEDIA_POCKETSPHINX_MODEL_DIR") or MODEL_DIR
        ps = _import_pocketsphinx()
        hmm = os.path.join(model_dir, "en-us")
        lm = os.path.join(model_dir, "en-us.lm.bin")
        dic = os.path.join(model_dir, "cmudict-en-us.dict")
        missing = [f for f in (hmm, lm, dic) if not os.path.exists(f)]
        if missing:
            raise ImportError(f"SpeechRecognition: the PocketSphinx en-US model is missing ({', '.join(missing)}): {INSTALL_HINT}")
        config = ps.Decoder.default_config()
        config.set_string("-hmm", hmm)
        config.set_string("-dict", dic)
        grammar = params.get("grammar")
        if grammar is None:
            config.set_string("-lm", lm)
        config.set_string("-logfn", os.devnull)
        config.set_boolean("-bestpath", True)
        # The flat-lexicon second pass runs over the whole utterance at its end: more accurate,
        # but 100-300 ms later on a loaded 2-core machine. A voice loop turns it off.
        config.set_boolean("-fwdflat", bool(params.get("secondPass", True)))
        self.decoder = ps.Decoder(config)
        if grammar is not None:
            # A JSGF grammar (e.g. "#JSGF V1.0; grammar g; public <s> = hello | what time is it;") narrows the search.
            self.decoder.set_jsgf_string("grammar", str(grammar))
            self.decoder.set_search("grammar")
        self.logmath = self.decoder.get_logmath()
        self.rate = None
        # stream mode state
        self.in_utt = False
        self.stream_us = None  # timestamp of the stream's first sample
        self.frames = 0  # samples fed in stream mode
        self.utt_start_us = 0
        self.last_partial_us = 0
        self.was_speech = False
        # vad mode state: recent audio as (start_us, int16 bytes), newest last
        self.lookback = []
        self.lookback_us = 3_000_000
        self.held = []
        self.holding = False
        # audio decoded from before the VAD's startUs (VADs cut soft word onsets)
        self.preroll_us = int(params.get("prerollMs", 200)) * 1000

    def _check(self, audio: Audio):
        if audio.sample_rate != SAMPLE_RATE:
            raise ValueError(
                f"SpeechRecognition needs {SAMPLE_RATE} Hz audio, got {audio.sample_rate} Hz: "
                f"put an AudioResample node with targetRate {SAMPLE_RATE} before it"
            )

    def _event(self, final, start_us, end_us):
        hyp = self.decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        event = {"text": text, "final": final, "startUs": int(start_us), "endUs": int(end_us)}
        if final and hyp is not None and text:
            try:
                event["confidence"] = round(float(self.logmath.exp(hyp.prob)), 4)
            except Exception:  # noqa: BLE001 - confidence is optional
                pass
        return event

    def process(self, data):
        if self.mode == "vad":
            return self._vad(data)
        if not isinstance(data, Audio):
            return None  # VAD events forwarded by an accumulator
        self._check(data)
        mono = _mono(data)
        n = len(mono)
        if self.mode == "utterance":
            start_us = data.timestamp_us or 0
            end_us = start_us + n * 1_000_000 // SAMPLE_RATE
            self.decoder.start_utt()
            if n:
                self.decoder.process_raw(_to_int16_bytes(mono), False, True)
            self.decoder.end_utt()
            return self._event(True, start_us, end_us)
        return self._stream(data, mono, n)

    def _vad(self, data):
        if isinstance(data, Audio):
            self._check(data)
            mono = _mono(data)
            if self.stream_us is None:
                self.stream_us = data.timestamp_us or 0
            start_us = self.stream_us + self.frames * 1_000_000 // SAMPLE_RATE
            self.frames += len(mono)
            pcm = _to_int16_bytes(mono)
            if self.in_utt:
                if self.holding:
                    # the VAD's last word was "no speech": keep it until we know whether speech goes on
                    self.held.append((start_us, pcm))
                else:
                    self.decoder.process_raw(pcm, False, False)
                return None
            self.lookback.append((start_us, pcm))
            end_us = start_us + len(mono) * 1_000_000 // SAMPLE_RATE
            # keep chunks that end inside the look-back window
            while self.lookback and self.lookback[0][0] + len(self.lookback[0][1]) * 500_000 // SAMPLE_RATE < end_us - self.lookback_us:
                self.lookback.pop(0)
            return None
        event = getattr(data, "value", None)
        if not isinstance(event, dict):
            return None
        if event.get("speechStart") and not self.in_utt:
            self.utt_start_us = int(event.get("startUs", event.get("timestampUs", 0)))
            self.decoder.start_utt()
            self.in_utt = True
            self.held = []
            self.holding = False
            from_us = self.utt_start_us - self.preroll_us
            for chunk_us, pcm in self.lookback:
                n = len(pcm) // 2
                chunk_end_us = chunk_us + n * 1_000_000 // SAMPLE_RATE
                if chunk_end_us <= from_us:
                    continue
                skip = max(0, (from_us - chunk_us) * SAMPLE_RATE // 1_000_000)
                self.decoder.process_raw(pcm[skip * 2 :], False, False)
            self.lookback = []
        if self.in_utt and not event.get("speechEnd") and "hasSpeech" in event:
            # Per-chunk VAD events: silence inside an utterance is held back, so the hangover
            # before speechEnd (minSilenceMs) is not decoded unless speech resumes.
            if event["hasSpeech"]:
                self._feed_held(None)
                self.holding = False
            else:
                self.holding = True
        if event.get("speechEnd") and self.in_utt:
            # decode what was held up to the segment's end (it includes the VAD's speech pad) plus 100 ms
            self._feed_held(int(event.get("endUs", event.get("timestampUs", 0))) + 100_000)
            self.holding = False
            self.decoder.end_utt()
            self.in_utt = False
            end_us = int(event.get("endUs", event.get("timestampUs", 0)))
            return self._event(True, self.utt_start_us, end_us)
        return None

    def _feed_held(self, until_us):
        for chunk_us, pcm in self.held:
            if until_us is not None and chunk_us >= until_us:
                break
            self.decoder.process_raw(pcm, False, False)
        self.held = []

    def _stream(self, data: Audio, mono, n):
        if self.stream_us is None:
            self.stream_us = data.timestamp_us or 0
        if not self.in_utt:
            self.decoder.start_utt()
            self.in_utt = True
        now_us = self.stream_us + (self.frames + n) * 1_000_000 // SAMPLE_RATE
        chunk_start_us = self.stream_us + self.frames * 1_000_000 // SAMPLE_RATE
        self.frames += n
        if n:
            self.decoder.process_raw(_to_int16_bytes(mono), False, False)
        out = None
        speech = self.decoder.get_in_speech()
        if speech and not self.was_speech:
            self.utt_start_us = chunk_start_us
            self.last_partial_us = now_us
        if not speech and self.was_speech:
            self.decoder.end_utt()
            self.in_utt = False
            out = self._event(True, self.utt_start_us, now_us)
        elif speech and self.partial_every_us and now_us - self.last_partial_us >= self.partial_every_us:
            self.last_partial_us = now_us
            ev = self._event(False, self.utt_start_us, now_us)
            if ev["text"]:
                out = ev
        self.was_speech = speech
        return out

    def flush(self):
        if self.mode == "vad" and self.in_utt:
            self._feed_held(None)
            self.decoder.end_utt()
            self.in_utt = False
            return self._event(True, self.utt_start_us, (self.stream_us or 0) + self.frames * 1_000_000 // SAMPLE_RATE)
        if self.mode != "stream" or not self.in_utt:
            return None
        self.decoder.end_utt()
        self.in_utt = False
        end_us = (self.stream_us or 0) + self.frames * 1_000_000 // SAMPLE_RATE
        if not self.was_speech:
            return None
        self.was_speech = False
        return self._event(True, self.utt_start_us, end_us)
