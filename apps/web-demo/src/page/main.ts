// The demo page: microphone -> WebRTC -> VAD pipeline -> speech events on the page.
import { type BrowserPipelineSession, connectPipeline } from '@remotemedia/transport-webrtc/browser';

interface VadEvent {
  hasSpeech: boolean;
  probability: number;
  speechStart: boolean;
  speechEnd: boolean;
  timestampUs: number;
}

declare global {
  interface Window {
    /** Speech start/end events seen so far (read by the end-to-end test). */
    speechEvents: VadEvent[];
    demoState: 'idle' | 'connecting' | 'live' | 'stopped' | 'error';
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
window.speechEvents = [];
window.demoState = 'idle';
let session: BrowserPipelineSession | undefined;
let mic: MediaStream | undefined;

function setState(state: Window['demoState'], text: string): void {
  window.demoState = state;
  $('status').textContent = text;
  $<HTMLButtonElement>('start').disabled = state === 'connecting' || state === 'live';
  $<HTMLButtonElement>('stop').disabled = state !== 'live';
}

function show(e: VadEvent): void {
  $('indicator').classList.toggle('speaking', e.hasSpeech);
  if (!e.speechStart && !e.speechEnd) return;
  window.speechEvents.push(e);
  const li = document.createElement('li');
  li.className = e.speechStart ? 'start' : 'end';
  li.textContent = `${(e.timestampUs / 1e6).toFixed(2)} s  ${e.speechStart ? 'speech start' : 'speech end'}  (p=${e.probability.toFixed(2)})`;
  $('events').prepend(li);
  $('count').textContent = String(window.speechEvents.filter((x) => x.speechStart).length);
}

async function start(): Promise<void> {
  setState('connecting', 'asking for the microphone…');
  try {
    mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: false } });
    setState('connecting', 'connecting…');
    const signalingUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signaling`;
    session = await connectPipeline({ signalingUrl, pipeline: params.get('pipeline') ?? 'vad', audio: mic, ...(params.get('token') ? { token: params.get('token')! } : {}) });
    setState('live', `live · session ${session.sessionId.slice(0, 8)}`);
    for await (const out of session.outputs) if (out.data.kind === 'json') show(out.data.value as unknown as VadEvent);
    setState('stopped', 'session ended');
  } catch (error) {
    setState('error', `error: ${(error as Error).message}`);
  } finally {
    mic?.getTracks().forEach((t) => t.stop());
  }
}

async function stop(): Promise<void> {
  await session?.close('stopped by user');
  setState('stopped', 'stopped');
}

$('start').addEventListener('click', () => void start());
$('stop').addEventListener('click', () => void stop());
if (params.has('autostart')) void start();
