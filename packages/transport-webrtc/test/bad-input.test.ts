import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { conformanceNodes } from '@remotemedia/runtime-core/testing';
import { waitUntil } from '@remotemedia/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CONTROL_CHANNEL_LABEL,
  DATA_CHANNEL_LABEL,
  SERVER_PEER_ID,
  type ServerControl,
  decodeDataFrame,
  encodeDataFrame,
  type WebRtcServer,
  closePeerConnection,
  createPeerConnection,
  createWebRtcPipelineClient,
  createWebRtcServer,
} from '../src/index.js';
import { SignalingClient } from '../src/wire/signaling-client.js';

const echo = { version: 'v1', metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;

async function rawPeer(server: WebRtcServer, onNotification?: (method: string, params: unknown) => void) {
  const ws = new WebSocket(server.signalingUrl);
  const sig = await SignalingClient.connect(ws, onNotification ? { onNotification } : {});
  const pc = createPeerConnection({ iceHostAddresses: ['127.0.0.1'] });
  const data = pc.createDataChannel(DATA_CHANNEL_LABEL);
  const control = pc.createDataChannel(CONTROL_CHANNEL_LABEL);
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') await pc.iceGatheringStateChange.watch((s) => s === 'complete', 5000);
  return { sig, pc, data, control, offer: pc.localDescription!.sdp };
}

describe('bad input on a live connection', () => {
  let server: WebRtcServer;
  const runner = createNodeRunner({ nodes: conformanceNodes });
  beforeAll(async () => {
    server = await createWebRtcServer({ pipeline: runner, connectTimeoutMs: 500, lingerMs: 100 });
  });
  afterAll(() => server.close());

  it('a malformed data-channel frame fails that session with invalid_argument; the server keeps serving', async () => {
    const peer = await rawPeer(server);
    const answer = await peer.sig.offer({ sdp: peer.offer, manifest: echo });
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await Promise.all([peer.data, peer.control].filter((c) => c.readyState !== 'open').map((c) => c.stateChanged.watch((s) => s === 'open', 10_000)));
    const controlMessages: ServerControl[] = [];
    peer.control.onMessage.subscribe((m) => controlMessages.push(JSON.parse(m.toString())));
    peer.data.send(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02]));
    const error = await waitUntil(() => controlMessages.find((m) => m.type === 'error'), {
      what: 'an error on the control channel',
      observe: () => controlMessages,
    });
    expect(error?.error).toMatchObject({ code: 'invalid_argument', reason: 'MalformedData' });
    expect(error?.error.message).toMatch(/DataChunk/);
    await waitUntil(() => server.stats().sessions === 0, { what: 'the failed session closed', observe: () => server.stats() });
    await closePeerConnection(peer.pc);
    peer.sig.close();

    const client = createWebRtcPipelineClient({ signalingUrl: server.signalingUrl });
    expect((await client.execute(echo, [{ kind: 'text', text: 'still serving' }]))[0].data).toEqual({ kind: 'text', text: 'still serving' });
    await client.close();
  });

  it('a peer that never connects is torn down after connectTimeoutMs and told why', async () => {
    const closed: unknown[] = [];
    const peer = await rawPeer(server, (method, params) => method === 'session.closed' && closed.push(params));
    const answer = await peer.sig.offer({ sdp: peer.offer, manifest: echo });
    expect(server.stats().sessions).toBe(1);
    // Never apply the answer: ICE cannot complete.
    await waitUntil(() => closed.length > 0, { what: 'a session.closed notification' });
    expect(closed[0]).toMatchObject({ session_id: answer.session_id, reason: 'connect timeout', error: { code: 'deadline_exceeded' } });
    expect(server.stats().sessions).toBe(0);
    expect(runner.activeSessionCount).toBe(0);
    await closePeerConnection(peer.pc);
    peer.sig.close();
  });

  it('an offer addressed to another peer is refused', async () => {
    const peer = await rawPeer(server);
    await expect(peer.sig.request('peer.offer', { to: 'someone-else', sdp: peer.offer, manifest: echo })).rejects.toMatchObject({ code: 5 });
    expect(SERVER_PEER_ID).toBe(peer.sig.serverPeerId);
    await closePeerConnection(peer.pc);
    peer.sig.close();
  });

  it('the control channel interrupts (after N frames) and ends the stream; outputs end with a count', async () => {
    const peer = await rawPeer(server);
    const outputs: string[] = [];
    const control: ServerControl[] = [];
    peer.data.onMessage.subscribe((m) => outputs.push((decodeDataFrame(new Uint8Array(m as Buffer)).item.data as { text: string }).text));
    peer.control.onMessage.subscribe((m) => control.push(JSON.parse(m.toString())));
    const answer = await peer.sig.offer({
      sdp: peer.offer,
      manifest: { version: 'v1', metadata: { name: 'slow' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 300 } }] },
    });
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await Promise.all([peer.data, peer.control].filter((c) => c.readyState !== 'open').map((c) => c.stateChanged.watch((s) => s === 'open', 10_000)));
    const send = (text: string) => peer.data.send(Buffer.from(encodeDataFrame({ item: { data: { kind: 'text', text }, metadata: {} } })));
    send('old-1');
    send('old-2');
    peer.control.send(JSON.stringify({ type: 'control', after: 2, control: { type: 'interrupt' } }));
    // Control and data travel on separate channels: 'new' goes only once the interrupt has been applied.
    await waitUntil(() => /_node_interrupted_total\{[^}]*\} [1-9]/.test(runner.metricsText()), {
      what: 'the interrupt applied on the server',
      observe: () => runner.metricsText().match(/^\S+_node_interrupted_total\{.*$/gm),
    });
    send('new');
    peer.control.send(JSON.stringify({ type: 'end_of_stream', after: 3 }));
    await waitUntil(() => control.some((m) => m.type === 'end'), { what: "the 'end' control message", observe: () => control });
    expect(control).toContainEqual({ type: 'ready', sessionId: answer.session_id });
    expect(control).toContainEqual({ type: 'end', outputs: 1 });
    expect(outputs).toEqual(['new']);
    await closePeerConnection(peer.pc);
    peer.sig.close();
  });
});
