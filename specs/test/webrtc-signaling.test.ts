// A real signaling exchange with the WebRTC server (createWebRtcServer on a loopback port): two
// peers announce, list, check health, one sends a real werift SDP offer, an ICE candidate and a
// disconnect, and both get notifications; malformed and refused calls get errors. Every JSON frame
// is recorded both ways and validated against specs/webrtc-signaling.schema.json with ajv, every
// result against its method's result schema, and every error's JSON-RPC code against the
// mapping of specs/errors.json.
import { createPipelineRunner } from '@remotemedia/runtime-core';
import {
  CONTROL_CHANNEL_LABEL,
  DATA_CHANNEL_LABEL,
  SERVER_PEER_ID,
  type WebRtcServer,
  closePeerConnection,
  createPeerConnection,
  createWebRtcServer,
} from '@remotemedia/transport-webrtc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type WireJson, errorsSpec, expectValid } from './spec-documents.js';

const TOKEN = 'signaling-spec-token-0123456789';
const SCHEMA = 'https://remotemedia.dev/specs/webrtc-signaling.schema.json';
const echo = { version: 'v1', metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] };

interface Frame {
  direction: 'client' | 'server';
  message: WireJson;
  /** Sent malformed on purpose: not expected to match the schema. */
  malformed?: boolean;
}

const frames: Frame[] = [];
const runner = createPipelineRunner();
let server: WebRtcServer;

/** A recording JSON-RPC client on a raw WebSocket. */
async function connectPeer(token = TOKEN) {
  const ws = new WebSocket(server.signalingUrl, { headers: { authorization: `Bearer ${token}` } });
  const inbox: WireJson[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d: Buffer) => {
    const message: WireJson = JSON.parse(d.toString());
    frames.push({ direction: 'server', message });
    inbox.push(message);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let nextId = 0;
  const next = async (match: (m: WireJson) => boolean): Promise<WireJson> => {
    for (;;) {
      const i = inbox.findIndex(match);
      if (i >= 0) return inbox.splice(i, 1)[0];
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const raw = (text: string) => {
    let message: unknown = text;
    try {
      message = JSON.parse(text);
    } catch {}
    frames.push({ direction: 'client', message, malformed: true });
    ws.send(text);
  };
  const call = async (method: string, params?: unknown, malformed = false) => {
    const id = ++nextId;
    const message = { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) };
    frames.push({ direction: 'client', message, malformed });
    ws.send(JSON.stringify(message));
    const answer = await next((m) => m.id === id);
    if (answer.result !== undefined) expectValid(`${SCHEMA}#/$defs/results/${method}`, answer.result, `result of ${method}`);
    return answer;
  };
  return { ws, call, raw, next, close: () => new Promise<void>((r) => (ws.once('close', () => r()), ws.close())) };
}

/** A real offer (werift, data channels, every host candidate gathered) and one candidate line of it. */
async function realOffer() {
  const pc = createPeerConnection({ iceHostAddresses: ['127.0.0.1'] });
  pc.createDataChannel(DATA_CHANNEL_LABEL);
  pc.createDataChannel(CONTROL_CHANNEL_LABEL);
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5000);
  const sdp = pc.localDescription!.sdp;
  const candidate = /^a=(candidate:[^\r\n]+)/m.exec(sdp)?.[1];
  return { pc, sdp, candidate };
}

beforeAll(async () => {
  server = await createWebRtcServer({ pipeline: runner, authTokens: [TOKEN], port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server.close();
  await runner.shutdown();
});

describe('specs/webrtc-signaling.schema.json', () => {
  it('describes every message of a real signaling exchange, both ways', async () => {
    const a = await connectPeer();
    const b = await connectPeer();
    expect((await a.call('server.health')).result.status).toBe('serving');
    expect((await a.call('peer.list', {})).error.data.code).toBe('failed_precondition'); // not announced yet
    expect((await a.call('peer.announce', { peer_id: 'spec-a', capabilities: ['audio', 'data'], user_data: { app: 'specs' } })).result.peer_id).toBe('spec-a');
    expect((await a.call('peer.announce', {})).error.data.code).toBe('failed_precondition'); // twice
    await b.call('peer.announce', { peer_id: 'spec-b' });
    expect((await a.next((m) => m.method === 'peer.announced')).params.peer_id).toBe('spec-b');
    expect((await a.call('peer.list', {})).result.peers.map((p: { peer_id: string }) => p.peer_id)).toEqual(
      expect.arrayContaining([SERVER_PEER_ID, 'spec-a', 'spec-b']),
    );

    const { pc, sdp, candidate } = await realOffer();
    const answer = await a.call('peer.offer', { to: SERVER_PEER_ID, sdp, manifest: echo, request_id: 'r-1' });
    expect(answer.result).toMatchObject({ type: 'answer', request_id: 'r-1' });
    const sessionId = answer.result.session_id;
    expect(candidate).toBeDefined();
    expect((await a.call('peer.ice_candidate', { session_id: sessionId, candidate, sdp_mid: '0', sdp_m_line_index: 0 })).result).toEqual({ accepted: true });
    expect((await a.call('peer.disconnect', { session_id: sessionId, reason: 'done' })).result).toEqual({ disconnected: 1 });
    expect((await a.next((m) => m.method === 'session.closed')).params.session_id).toBe(sessionId);
    await closePeerConnection(pc);

    // Errors: malformed frames, unknown methods, bad params, unknown peers and sessions, not SDP.
    a.raw('{not json');
    expect((await a.next((m) => m.id === null)).error.code).toBe(errorsSpec.jsonRpc.codes.ParseError);
    a.raw(JSON.stringify({ id: 'x1', method: 'peer.list' }));
    expect((await a.next((m) => m.id === 'x1')).error.code).toBe(errorsSpec.jsonRpc.codes.InvalidRequest);
    expect((await a.call('peer.fly', {}, true)).error.data.code).toBe('unimplemented');
    expect((await a.call('peer.announce', { peer_id: 'has spaces' }, true)).error.data.code).toBe('invalid_argument');
    expect((await b.call('peer.offer', { to: SERVER_PEER_ID }, true)).error.data.code).toBe('invalid_argument');
    expect((await b.call('peer.offer', { to: 'nobody', sdp: 'v=0' })).error.data.code).toBe('not_found');
    expect((await b.call('peer.offer', { to: SERVER_PEER_ID, sdp: 'hello' })).error.data.code).toBe('invalid_argument');
    expect((await b.call('peer.ice_candidate', { session_id: 'nope', candidate: 'candidate:1' })).error.data.code).toBe('not_found');
    expect((await b.call('peer.disconnect', { session_id: 'nope' })).error.data.code).toBe('not_found');
    await b.close();
    expect((await a.next((m) => m.method === 'peer.disconnected')).params.peer_id).toBe('spec-b');
    await a.close();

    const clientFrames = frames.filter((f) => f.direction === 'client' && !f.malformed);
    const serverFrames = frames.filter((f) => f.direction === 'server');
    expect(clientFrames.length).toBeGreaterThan(10);
    for (const f of clientFrames) expectValid(`${SCHEMA}#/$defs/clientMessage`, f.message, 'client frame');
    for (const f of serverFrames) expectValid(`${SCHEMA}#/$defs/serverMessage`, f.message, 'server frame');
    const methods = new Set(serverFrames.map((f) => f.message.method).filter(Boolean));
    expect([...methods].sort()).toEqual(['peer.announced', 'peer.disconnected', 'session.closed']);
  });

  it('gives every error the JSON-RPC code specs/errors.json maps its code (or its situation) to', () => {
    const { codes, rpcCodeOfCode, rpcCodeOfSituation } = errorsSpec.jsonRpc as typeof errorsSpec.jsonRpc & {
      rpcCodeOfSituation: Record<string, { rpc: string; code: string | null }>;
    };
    const rpcName = new Map(Object.entries(codes).map(([name, n]) => [n, name]));
    const situations = Object.values(rpcCodeOfSituation).filter((s) => typeof s === 'object');
    const errors = frames.filter((f) => f.direction === 'server' && f.message.error).map((f) => f.message.error);
    expect(errors.length).toBeGreaterThan(8);
    for (const e of errors) {
      const name = rpcName.get(e.code);
      const code = e.data?.code ?? null;
      const byCode = code && (rpcCodeOfCode[code] ?? rpcCodeOfCode.otherwise);
      const bySituation = situations.some((s) => s.rpc === name && s.code === code);
      expect(byCode === name || bySituation, `JSON-RPC ${e.code} (${name}) with code ${code}`).toBe(true);
    }
  });

  it('a refused signaling upgrade and WHIP errors carry the status of their code', async () => {
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(server.signalingUrl, { headers: { authorization: 'Bearer wrong-token-0000000000' } });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString())).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('upgrade accepted with a wrong token')));
      ws.on('error', () => {});
    });
    const statusOf = new Map(errorsSpec.codes.map((c) => [c.name, c.http]));
    const refusedBody = JSON.parse(refused.body);
    const refusedError = refusedBody.error ?? refusedBody;
    expectValid(`${SCHEMA}#/$defs/errorBody`, refusedError, 'refused upgrade');
    expect([refused.status, statusOf.get(refusedError.code)]).toEqual([401, 401]);
    const attempts: RequestInit[] = [
      { headers: { 'content-type': 'application/sdp' }, body: 'v=0' },
      { headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: 'x' },
    ];
    for (const init of attempts) {
      const res = await fetch(`${server.whipUrl}?pipeline=echo`, { method: 'POST', ...init });
      const body = await res.json();
      expectValid(`${SCHEMA}#/$defs/errorBody`, body.error, 'WHIP error');
      expect(res.status).toBe(statusOf.get(body.error.code));
    }
    const health = await fetch(new URL('/health', server.url));
    expect(await health.json()).toMatchObject({ status: 'serving' });
  });
});
