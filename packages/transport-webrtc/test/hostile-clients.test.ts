// Issue 23 on the WebRTC server: what one client sends can neither crash it, freeze it nor grow it
// without bound. Real server on loopback, raw net sockets and ws clients.
import { createServer } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { conformanceNodes } from '@remotemedia/runtime-core/testing';
import { waitUntil } from '@remotemedia/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CONTROL_CHANNEL_LABEL,
  DATA_CHANNEL_LABEL,
  encodeDataFrame,
  RpcErrorCode,
  SERVER_PEER_ID,
  type ServerControl,
  type WebRtcServer,
  closePeerConnection,
  createPeerConnection,
  createWebRtcServer,
} from '../src/index.js';
import { type WireJson, parseWsJson } from './helpers/wire-json.js';

const echo = { version: 'v1', metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;
const runner = createNodeRunner();
let server: WebRtcServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function raw(port: number, text: string): Promise<{ status: number; body: WireJson }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(out.split(' ')[1]), body: JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4) || 'null') }));
    socket.end(text);
  });
}

const healthy = async (s: WebRtcServer) => (await fetch(`${s.url}/health`)).status === 200;

async function signaling(s: WebRtcServer) {
  const ws = new WebSocket(s.signalingUrl, { perMessageDeflate: false });
  const messages: WireJson[] = [];
  ws.on('message', (d) => messages.push(parseWsJson(d)));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const call = async (method: string, params?: unknown) => {
    const callId = ++id;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: callId, method, params }));
    return waitUntil(() => messages.find((m) => m.id === callId), { what: `the answer to ${method}`, timeoutMs: 10_000, observe: () => messages.slice(-3) });
  };
  return { ws, messages, call };
}

describe('WebRTC server: hostile HTTP and signaling clients (issue 23)', () => {
  it('an unparseable request target is a 400 on HTTP and on upgrades (it used to end the process)', async () => {
    server = await createWebRtcServer({ pipeline: runner });
    for (const request of [
      'GET http://[bad/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'POST http://[bad/whip HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      'GET http://[bad/signaling HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    ]) {
      const res = await raw(server.port, request);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_argument', reason: 'MalformedRequestTarget' });
    }
    expect((await raw(server.port, 'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).body.error).toMatchObject({ code: 'not_found' });
    // An upgrade on a path nobody serves is refused and closed (it used to hang open for good).
    const upgrade = await raw(
      server.port,
      'GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade.status).toBe(404);
    expect(await healthy(server)).toBe(true);
  });

  it('slowloris: sockets sending headers a byte at a time get 408 and are closed, even if they ignore the FIN', async () => {
    server = await createWebRtcServer({ pipeline: runner, headersTimeoutMs: 500 });
    const request = 'POST /whip HTTP/1.1\r\nHost: x\r\n' + 'X-Slow: a\r\n'.repeat(1000);
    const closed: boolean[] = [];
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) {
      const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
      let at = 0;
      answers[i] = '';
      const timer = setInterval(() => socket.destroyed || socket.write(request[at++ % request.length]), 20);
      socket.on('data', (d) => (answers[i] += d.toString()));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        closed[i] = true;
      });
    }
    expect(await healthy(server)).toBe(true);
    await waitUntil(() => closed.filter(Boolean).length === 10, { what: 'the server to close all 10 slow sockets', timeoutMs: 20_000, observe: () => closed });
    expect(answers.every((a) => a.startsWith('HTTP/1.1 408'))).toBe(true);
    expect(await healthy(server)).toBe(true);
  }, 30_000);

  it('signaling: a client that sends invalid frames and never reads is stopped by backpressure', async () => {
    const http = createServer((_req, res) => res.writeHead(404).end());
    let serverSocket: Duplex | undefined;
    http.on('upgrade', (_req, socket: Duplex) => (serverSocket ??= socket));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    server = await createWebRtcServer({ pipeline: runner, httpServer: http });
    const ws = new WebSocket(`ws://127.0.0.1:${(http.address() as { port: number }).port}/signaling`, { perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    ws.pause(); // never reads the error answers
    const FRAMES = 200_000;
    const frame = '{"jsonrpc":"2.0","id":1}'; // no method: an InvalidRequest answer (~4x the frame) each
    for (let i = 0; i < FRAMES; i++) ws.send(frame);
    // Wait until the server stops reading: steady = unchanged across one 250 ms interval, the pause is what is observed.
    let before = -1;
    await waitUntil(
      () => {
        const now = (serverSocket as Socket).bytesRead;
        const stable = now === before;
        before = now;
        return stable;
      },
      { what: 'the server to stop reading', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect((serverSocket as Socket).bytesRead).toBeLessThan((FRAMES * (frame.length + 6)) / 2);
    expect((serverSocket as Socket).writableLength).toBeLessThan(256 * 1024);
    // The others are served.
    const other = await signaling(server);
    expect((await other.call('server.health')).result).toMatchObject({ status: 'serving' });
    other.ws.close();
    ws.terminate();
    await server.close();
    server = undefined;
    await new Promise((r) => http.close(r));
  }, 60_000);

  it('a burst of offers on one connection cannot overshoot maxPeers; oversized announce user_data is refused', async () => {
    server = await createWebRtcServer({ pipeline: runner, maxPeers: 2, connectTimeoutMs: 2000 });
    const c = await signaling(server);
    const tooBig = await c.call('peer.announce', { user_data: { blob: 'x'.repeat(10_000) } });
    expect(tooBig.error).toMatchObject({ code: RpcErrorCode.InvalidParams, data: { details: [{ path: 'params.user_data' }] } });
    expect((await c.call('peer.announce', {})).result.peer_id).toBeTruthy();
    const pc = createPeerConnection({ iceHostAddresses: ['127.0.0.1'] });
    pc.createDataChannel(DATA_CHANNEL_LABEL);
    pc.createDataChannel(CONTROL_CHANNEL_LABEL);
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5000);
    const sdp = pc.localDescription!.sdp;
    const answers = await Promise.all(Array.from({ length: 8 }, () => c.call('peer.offer', { to: SERVER_PEER_ID, sdp, manifest: echo })));
    expect(answers.filter((a) => a.result).length).toBe(2);
    expect(answers.filter((a) => a.error?.data?.code === 'resource_exhausted').length).toBe(6);
    expect(server.stats().sessions).toBeLessThanOrEqual(2);
    await closePeerConnection(pc);
    c.ws.close();
  }, 30_000);

  it('a peer that sends data frames faster than its pipeline takes them fails its session at a bound instead of queueing without end', async () => {
    const slowRunner = createNodeRunner({ nodes: conformanceNodes });
    server = await createWebRtcServer({ pipeline: slowRunner, maxQueuedDataFrames: 100, lingerMs: 100 });
    const c = await signaling(server);
    await c.call('peer.announce', {});
    const pc = createPeerConnection({ iceHostAddresses: ['127.0.0.1'] });
    const data = pc.createDataChannel(DATA_CHANNEL_LABEL);
    const control = pc.createDataChannel(CONTROL_CHANNEL_LABEL);
    const controls: ServerControl[] = [];
    control.onMessage.subscribe((m) => controls.push(JSON.parse(m.toString())));
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((st) => st === 'complete', 5000);
    // A node that holds its one input: nothing after the first frame or two is taken.
    const stuck = { version: 'v1', metadata: { name: 'stuck' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 60_000 }, queue: { capacity: 1 } }] };
    const answer = await c.call('peer.offer', { to: SERVER_PEER_ID, sdp: pc.localDescription!.sdp, manifest: stuck });
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.result.sdp });
    await Promise.all([data, control].filter((ch) => ch.readyState !== 'open').map((ch) => ch.stateChanged.watch((st) => st === 'open', 10_000)));
    const frame = Buffer.from(encodeDataFrame({ item: { data: { kind: 'text', text: 'flood' }, metadata: {} } }));
    for (let i = 0; i < 300; i++) data.send(frame);
    await waitUntil(() => controls.some((m) => m.type === 'error'), { what: 'an error on the control channel', timeoutMs: 10_000, observe: () => controls });
    expect(controls.filter((m) => m.type === 'error')).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ code: 'resource_exhausted', reason: 'InputQueueFull' }) }),
    ]);
    await waitUntil(() => server!.stats().sessions === 0, { what: 'the failed session closed', observe: () => server!.stats() });
    expect((await c.call('server.health')).result).toMatchObject({ status: 'serving' });
    await closePeerConnection(pc);
    c.ws.close();
  }, 30_000);

  it('a signaling connection that never announces is closed (1008) and frees its slot', async () => {
    server = await createWebRtcServer({ pipeline: runner, announceTimeoutMs: 300, maxSignalingConnections: 2 });
    const silent = new WebSocket(server.signalingUrl);
    const code = await new Promise<number>((resolve) => silent.once('close', resolve));
    expect(code).toBe(1008);
    const announced = await signaling(server);
    expect((await announced.call('peer.announce', {})).result.peer_id).toBeTruthy();
    await new Promise((r) => setTimeout(r, 500)); // kept: announced, then quiet for longer than announceTimeoutMs (300) is the case under test
    expect(announced.ws.readyState).toBe(WebSocket.OPEN);
    expect(server.stats().signalingConnections).toBe(1);
    announced.ws.close();
  });
});
