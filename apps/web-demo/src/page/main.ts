// The demo page: microphone -> WebRTC -> voice loop (or VAD) pipeline -> transcripts, replies and
// reply audio back. Live microphone waveform, a timeline of speech and reply segments, a chat.
import { type BrowserPipelineSession, connectPipeline } from '@remotemedia/transport-webrtc/browser';

interface VadEvent {
  hasSpeech: boolean;
  probability: number;
  speechStart: boolean;
  speechEnd: boolean;
  timestampUs: number;
  startUs?: number;
  endUs?: number;
}
interface Transcript {
  text: string;
  final: boolean;
  startUs: number;
  endUs: number;
  confidence?: number;
}
interface TtsEvent {
  tts: 'start' | 'end' | 'interrupted';
  text: string;
  timestampUs: number;
}
interface Reply {
  text: string;
  /** Page time (ms since the session went live) the reply audio started / stopped. */
  startMs: number;
  endMs?: number;
  /** Reply audio the server sent before it ended or was cut, in ms (its own clock). */
  audioMs?: number;
  state: 'playing' | 'done' | 'interrupted';
}

declare global {
  interface Window {
    /** Speech start/end events seen so far (read by the end-to-end tests). */
    speechEvents: VadEvent[];
    demoState: 'idle' | 'connecting' | 'live' | 'stopped' | 'error';
    /** What the voice loop said and heard (read by the end-to-end tests). */
    voice: {
      transcripts: Transcript[];
      replyTexts: string[];
      replies: Reply[];
      ttsEvents: TtsEvent[];
      /** From the peer connection's inbound audio stats: energy and samples of the reply track. */
      replyAudio: { energy: number; samples: number; level: number };
    };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
window.speechEvents = [];
window.demoState = 'idle';
window.voice = { transcripts: [], replyTexts: [], replies: [], ttsEvents: [], replyAudio: { energy: 0, samples: 0, level: 0 } };
let session: BrowserPipelineSession | undefined;
let mic: MediaStream | undefined;
let audioCtx: AudioContext | undefined;
let liveAt = 0;
let timers: ReturnType<typeof setInterval>[] = [];
const userSegments: { startMs: number; endMs?: number }[] = [];

const now = () => performance.now() - liveAt;

function setState(state: Window['demoState'], text: string): void {
  window.demoState = state;
  $('status').textContent = text;
  $<HTMLButtonElement>('start').disabled = state === 'connecting' || state === 'live';
  $<HTMLButtonElement>('stop').disabled = state !== 'live';
}

function logEvent(className: string, text: string): void {
  const li = document.createElement('li');
  li.className = className;
  li.textContent = `${(now() / 1000).toFixed(2)} s  ${text}`;
  $('events').prepend(li);
  while ($('events').childElementCount > 200) $('events').lastElementChild!.remove();
}

function chat(who: 'user' | 'bot', text: string, note?: string): HTMLLIElement {
  const li = document.createElement('li');
  li.className = who;
  li.textContent = text;
  if (note) {
    const small = document.createElement('small');
    small.textContent = note;
    li.append(small);
  }
  $('chat').append(li);
  $('chat').scrollTop = $('chat').scrollHeight;
  return li;
}

function onVad(e: VadEvent): void {
  $('indicator').classList.toggle('speaking', e.hasSpeech || (e.speechStart && !e.speechEnd));
  if (!e.speechStart && !e.speechEnd) return;
  window.speechEvents.push(e);
  if (e.speechStart) userSegments.push({ startMs: now() - 150 });
  if (e.speechEnd) {
    const open = userSegments.at(-1);
    if (open && open.endMs === undefined) open.endMs = now();
  }
  if (e.speechStart) logEvent('start', `speech start (p=${e.probability.toFixed(2)})`);
  if (e.speechEnd) logEvent('end', `speech end (${(((e.endUs ?? 0) - (e.startUs ?? 0)) / 1e6).toFixed(2)} s)`);
  $('count').textContent = String(window.speechEvents.filter((x) => x.speechStart).length);
}

let replyLi: HTMLLIElement | undefined;
function onTts(e: TtsEvent): void {
  window.voice.ttsEvents.push(e);
  const open = window.voice.replies.at(-1);
  if (e.tts === 'start') {
    window.voice.replies.push({ text: e.text, startMs: now(), state: 'playing' });
    (window as unknown as { ttsStartUs: number }).ttsStartUs = e.timestampUs;
    $('replying').classList.add('on');
  } else if (open && open.state === 'playing') {
    open.state = e.tts === 'end' ? 'done' : 'interrupted';
    open.endMs = now();
    open.audioMs = (e.timestampUs - (window as unknown as { ttsStartUs: number }).ttsStartUs) / 1000;
    $('replying').classList.remove('on');
    if (e.tts === 'interrupted') replyLi?.classList.add('cut');
  }
  logEvent(e.tts === 'interrupted' ? 'end' : '', `reply ${e.tts}`);
}

function drawTimeline(): void {
  const el = $('timeline');
  const width = el.clientWidth || 800;
  const spanMs = 30_000;
  const t = now();
  const x = (ms: number) => ((ms - (t - spanMs)) / spanMs) * width;
  el.replaceChildren();
  const bar = (cls: string, a: number, b: number) => {
    if (b < t - spanMs) return;
    const d = document.createElement('div');
    d.className = `seg ${cls}`;
    d.style.left = `${Math.max(0, x(a))}px`;
    d.style.width = `${Math.max(2, x(b) - Math.max(0, x(a)))}px`;
    el.append(d);
  };
  for (const s of userSegments) bar('user', s.startMs, s.endMs ?? t);
  for (const r of window.voice.replies) bar(r.state === 'interrupted' ? 'bot cut' : 'bot', r.startMs, r.endMs ?? t);
}

function drawLevel(analyser: AnalyserNode): void {
  const canvas = $<HTMLCanvasElement>('level');
  const g = canvas.getContext('2d')!;
  const data = new Float32Array(analyser.fftSize);
  const frame = () => {
    if (window.demoState !== 'live') return;
    analyser.getFloatTimeDomainData(data);
    let sum = 0;
    for (const v of data) sum += v * v;
    const db = 10 * Math.log10(sum / data.length + 1e-12);
    const { width, height } = canvas;
    g.clearRect(0, 0, width, height);
    // level bar
    const level = Math.max(0, Math.min(1, (db + 70) / 70));
    g.fillStyle = '#e8ebf2';
    g.fillRect(0, height - 8, width, 8);
    g.fillStyle = level > 0.85 ? '#d64545' : '#1f9d55';
    g.fillRect(0, height - 8, width * level, 8);
    // waveform
    g.strokeStyle = '#1d2330';
    g.lineWidth = 1.5;
    g.beginPath();
    for (let i = 0; i < data.length; i++) {
      const px = (i / (data.length - 1)) * width;
      const py = (height - 10) / 2 - data[i] * (height - 10) * 1.5;
      if (i === 0) g.moveTo(px, py);
      else g.lineTo(px, py);
    }
    g.stroke();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

async function pollReplyAudio(pc: RTCPeerConnection): Promise<void> {
  const stats = await pc.getStats();
  stats.forEach((s: { type: string; kind?: string; totalAudioEnergy?: number; totalSamplesReceived?: number; audioLevel?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      window.voice.replyAudio = { energy: s.totalAudioEnergy ?? 0, samples: s.totalSamplesReceived ?? 0, level: s.audioLevel ?? 0 };
    }
  });
}

async function start(): Promise<void> {
  setState('connecting', 'asking for the microphone…');
  try {
    mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: false } });
    setState('connecting', 'connecting…');
    const signalingUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signaling`;
    session = await connectPipeline({
      signalingUrl,
      pipeline: params.get('pipeline') ?? 'voice-loop',
      audio: mic,
      ...(params.get('token') ? { token: params.get('token')! } : {}),
    });
    liveAt = performance.now();
    setState('live', `live · session ${session.sessionId.slice(0, 8)}`);
    $<HTMLAudioElement>('reply').srcObject = session.remoteAudio;
    try {
      audioCtx = new AudioContext();
      const analyser = audioCtx.createAnalyser();
      analyser.fftSize = 1024;
      audioCtx.createMediaStreamSource(mic).connect(analyser);
      drawLevel(analyser);
    } catch {
      /* no Web Audio: no waveform */
    }
    const pc = session.peerConnection;
    timers = [setInterval(() => void pollReplyAudio(pc).catch(() => {}), 200), setInterval(drawTimeline, 100)];
    for await (const out of session.outputs) {
      const node = out.metadata['rm-node-id'];
      const d = out.data;
      if (d.kind === 'text' && (d.channel === 'reply' || node === 'replies')) {
        window.voice.replyTexts.push(d.text);
        replyLi = chat('bot', d.text);
      } else if (d.kind === 'json' && d.value && typeof d.value === 'object' && !Array.isArray(d.value)) {
        const v = d.value as Record<string, unknown>;
        if (typeof v.tts === 'string') onTts(v as unknown as TtsEvent);
        else if (typeof v.text === 'string' && 'final' in v) {
          const t = v as unknown as Transcript;
          if (!t.final) continue;
          window.voice.transcripts.push(t);
          if (t.text) chat('user', t.text, t.confidence !== undefined ? `${Math.round(t.confidence * 100)}%` : undefined);
        } else if ('speechStart' in v) onVad(v as unknown as VadEvent);
      }
    }
    setState('stopped', 'session ended');
  } catch (error) {
    setState('error', `error: ${(error as Error).message}`);
  } finally {
    timers.forEach(clearInterval);
    mic?.getTracks().forEach((t) => t.stop());
    void audioCtx?.close().catch(() => {});
  }
}

async function stop(): Promise<void> {
  await session?.close('stopped by user');
  setState('stopped', 'stopped');
}

$('start').addEventListener('click', () => void start());
$('stop').addEventListener('click', () => void stop());
if (params.has('autostart')) void start();
