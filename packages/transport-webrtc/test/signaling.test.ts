import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RpcErrorCode, SERVER_PEER_ID, type WebRtcServer, createWebRtcPipelineClient, createWebRtcServer } from '../src/index.js';
import { type WireJson, parseWsJson } from './helpers/wire-json.js';

const TOKEN = 'signaling-token-0123456789';
const pipelineDir = fileURLToPath(new URL('./fixtures/pipelines', import.meta.url));

/** A raw JSON-RPC client: sends text, collects responses and notifications. */
async function rawSignaling(url: string, token = TOKEN) {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const messages: WireJson[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    messages.push(parseWsJson(d));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const next = async (match: (m: WireJson) => boolean) => {
    for (;;) {
      const i = messages.findIndex(match);
      if (i >= 0) return messages.splice(i, 1)[0];
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return {
    ws,
    raw: (text: string) => ws.send(text),
    call: async (method: string, params?: unknown) => {
      const callId = ++id;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: callId, method, params }));
      return next((m) => m.id === callId);
    },
    next,
    close: () => ws.close(),
  };
}

describe('JSON-RPC signaling and the WHIP endpoint', () => {
  let server: WebRtcServer;
  const runner = createNodeRunner();
  beforeAll(async () => {
    server = await createWebRtcServer({ pipeline: runner, authTokens: [TOKEN], pipelineDir, maxPeers: 2 });
  });
  afterAll(() => server.close());

  it('answers malformed JSON-RPC with the standard error codes and keeps the connection', async () => {
    const c = await rawSignaling(server.signalingUrl);
    c.raw('{not json');
    expect((await c.next((m) => m.id === null)).error.code).toBe(RpcErrorCode.ParseError);
    c.raw(JSON.stringify({ id: 7, method: 'peer.list' }));
    expect((await c.next((m) => m.id === 7)).error.code).toBe(RpcErrorCode.InvalidRequest);
    expect((await c.call('peer.fly')).error).toMatchObject({ code: RpcErrorCode.MethodNotFound, data: { code: 'unimplemented' } });
    expect((await c.call('peer.list')).error).toMatchObject({ code: RpcErrorCode.NotAnnounced });
    const bad = await c.call('peer.announce', { peer_id: 'has spaces' });
    expect(bad.error.code).toBe(RpcErrorCode.InvalidParams);
    expect(bad.error.data.details[0].path).toBe('params.peer_id');
    const ok = await c.call('peer.announce', { peer_id: 'alice', capabilities: ['audio'] });
    expect(ok.result).toMatchObject({ peer_id: 'alice', server_peer_id: SERVER_PEER_ID });
    expect((await c.call('server.health')).result.status).toBe('serving');
    c.close();
  });

  it('lists peers, notifies announcements and departures, and rejects duplicate ids', async () => {
    const a = await rawSignaling(server.signalingUrl);
    const b = await rawSignaling(server.signalingUrl);
    await a.call('peer.announce', { peer_id: 'peer-a' });
    await b.call('peer.announce', { peer_id: 'peer-b' });
    expect((await a.next((m) => m.method === 'peer.announced')).params.peer_id).toBe('peer-b');
    const list = (await a.call('peer.list')).result.peers.map((p: { peer_id: string }) => p.peer_id);
    expect(list).toEqual(expect.arrayContaining([SERVER_PEER_ID, 'peer-a', 'peer-b']));
    const dup = await rawSignaling(server.signalingUrl);
    expect((await dup.call('peer.announce', { peer_id: 'peer-a' })).error.data.code).toBe('already_exists');
    b.close();
    expect((await a.next((m) => m.method === 'peer.disconnected')).params.peer_id).toBe('peer-b');
    a.close();
    dup.close();
  });

  it('validates offers: target peer, SDP, manifest choice', async () => {
    const c = await rawSignaling(server.signalingUrl);
    await c.call('peer.announce', {});
    expect((await c.call('peer.offer', { to: 'nobody', sdp: 'v=0' })).error.code).toBe(RpcErrorCode.PeerNotFound);
    expect((await c.call('peer.offer', { to: SERVER_PEER_ID, sdp: 'hello' })).error.code).toBe(RpcErrorCode.OfferInvalid);
    const sdp = 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
    const missing = await c.call('peer.offer', { to: SERVER_PEER_ID, sdp, pipeline: 'nope' });
    expect(missing.error.data).toMatchObject({ code: 'not_found', reason: 'PipelineNotFound' });
    // A server with a pipeline directory refuses inline manifests unless allowed.
    const inline = await c.call('peer.offer', { to: SERVER_PEER_ID, sdp, manifest: { version: 'v1' } });
    expect(inline.error.data).toMatchObject({ code: 'permission_denied', reason: 'InlineManifestDisabled' });
    expect((await c.call('peer.ice_candidate', { session_id: 'x', candidate: 'candidate:1' })).error.code).toBe(RpcErrorCode.PeerNotFound);
    expect((await c.call('peer.disconnect', { session_id: 'x' })).error.code).toBe(RpcErrorCode.PeerNotFound);
    c.close();
  });

  it('announces the configured STUN/TURN servers to peers', async () => {
    const iceServers = [{ urls: 'stun:127.0.0.1:3478' }, { urls: ['turn:127.0.0.1:3478?transport=udp'], username: 'u', credential: 'p' }];
    const stunServer = await createWebRtcServer({ pipeline: runner, iceServers });
    const c = await rawSignaling(stunServer.signalingUrl);
    expect((await c.call('peer.announce', {})).result.ice_servers).toEqual(iceServers);
    c.close();
    await stunServer.close();
  });

  it('rejects a signaling upgrade without a valid token with Unauthenticated', async () => {
    const client = createWebRtcPipelineClient({ signalingUrl: server.signalingUrl, token: 'wrong-token-abcdefghijk' });
    const error = await client.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).code).toBe(Code.Unauthenticated);
    await client.close();
  });

  it('opens a session on a pipeline chosen by name, enforces maxPeers, and closing frees it', async () => {
    const client = createWebRtcPipelineClient({ signalingUrl: server.signalingUrl, token: TOKEN });
    const s1 = await client.openSession({ pipeline: 'echo' });
    const s2 = await client.stream('echo'); // a bare name picks a named pipeline
    await s1.send({ kind: 'text', text: 'by name' });
    expect((await s1.recv())!.data).toEqual({ kind: 'text', text: 'by name' });
    const third = await client.openSession({ pipeline: 'echo' }).catch((e: unknown) => e);
    expect((third as RemoteMediaError).code).toBe(Code.ResourceExhausted);
    expect(server.stats().sessions).toBe(2);
    await s1.close();
    await s2.close();
    await waitUntil(() => server.stats().sessions === 0, { what: 'both sessions closed', observe: () => server.stats() });
    expect(runner.activeSessionCount).toBe(0);
    await client.close();
  });

  it('WHIP: POST an SDP offer, get 201 with the answer, DELETE ends the session; errors are JSON', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const noAuth = await fetch(`${server.whipUrl}?pipeline=echo`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'v=0' });
    expect(noAuth.status).toBe(401);
    const notSdp = await fetch(`${server.whipUrl}?pipeline=echo`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' });
    expect(notSdp.status).toBe(400);
    expect((await notSdp.json()).error.code).toBe('invalid_argument');

    // A real werift offer (audio + data), answered over plain HTTP.
    const { RTCPeerConnection } = await import('werift');
    const pc = new RTCPeerConnection({ iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' }, iceUseIpv6: false });
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    pc.createDataChannel('remotemedia-data');
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5000).catch(() => {});
    const res = await fetch(`${server.whipUrl}?pipeline=echo`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/sdp' },
      body: pc.localDescription!.sdp,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/sdp');
    const location = res.headers.get('location')!;
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await pc.connectionStateChange.watch((s) => s === 'connected', 10_000);
    expect(server.stats().sessions).toBe(1);
    const del = await fetch(new URL(location, server.url), { method: 'DELETE', headers: auth });
    expect(del.status).toBe(200);
    expect(server.stats().sessions).toBe(0);
    await pc.close();
  });
});
