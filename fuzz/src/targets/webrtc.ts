// The WebRTC server: JSON-RPC signaling over WebSocket (every method, hostile params, broken
// frames), WHIP offers (real offers with lines dropped, repeated or replaced, and garbage), and
// stray paths. Every request with an id must get an answer; no answer may be an internal error.
import fc from 'fast-check';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { manifestText, nastyJson, nastyNumber, nastyString, pathSegment } from '../arbitraries.js';
import type { LiveServer } from '../live-server.js';
import type { FuzzTarget } from '../run-fuzz.js';
import { judgeErrorObject, judgeHttpAnswer, messageText, within } from '../verdicts.js';

/** A real offer made by werift (audio + data channel, loopback candidate only). */
const OFFER_LINES = [
  'v=0',
  'o=- 84783101 0 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic:WMS *',
  'm=audio 9 UDP/TLS/RTP/SAVPF 96 0',
  'c=IN IP4 0.0.0.0',
  'a=candidate:626da4e5384a0ce2d0d93678a 1 udp 2116026367 127.0.0.1 9 typ host generation 0 ufrag 4dc5',
  'a=end-of-candidates',
  'a=ice-ufrag:4dc5',
  'a=ice-pwd:bdf04176a1a3a0dab26eda',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 D3:DB:32:1F:F1:69:85:25:F1:76:18:72:DF:69:5E:32:C7:43:A2:38:69:80:BF:02:23:57:BE:B7:97:B6:A4:33',
  'a=setup:actpass',
  'a=sendrecv',
  'a=mid:0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=rtcp-mux',
  'a=ssrc:3183061269 cname:12c759f2',
  'a=rtpmap:96 OPUS/48000/2',
  'a=rtpmap:0 PCMU/8000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:4dc5',
  'a=ice-pwd:bdf04176a1a3a0dab26eda',
  'a=fingerprint:sha-256 D3:DB:32:1F:F1:69:85:25:F1:76:18:72:DF:69:5E:32:C7:43:A2:38:69:80:BF:02:23:57:BE:B7:97:B6:A4:33',
  'a=setup:actpass',
  'a=mid:1',
  'a=sctp-port:5000',
  'a=max-message-size:65536',
];

/** An offer with some lines dropped, repeated or replaced by something hostile. */
const sdp: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.tuple(fc.nat(OFFER_LINES.length - 1), fc.constantFrom('drop', 'repeat', 'replace', 'number'), nastyString, nastyNumber), { maxLength: 4 })
    .map((edits) => {
      const lines = [...OFFER_LINES];
      for (const [at, how, text, n] of edits) {
        if (how === 'drop') lines.splice(at, 1);
        else if (how === 'repeat') lines.splice(at, 0, lines[at] ?? '');
        else if (how === 'replace') lines[at] = `${(lines[at] ?? 'a=x').slice(0, 2)}${text}`;
        else lines[at] = (lines[at] ?? '').replace(/\d+/, String(n));
      }
      return `${lines.join('\r\n')}\r\n`;
    }),
  nastyString,
);

const rpcParams = fc.oneof(
  fc.record(
    {
      peer_id: fc.oneof(nastyString, fc.constantFrom('remotemedia-server', 'p1')),
      capabilities: fc.array(fc.constantFrom('audio', 'data', 'x'), { maxLength: 3 }),
      user_data: nastyJson,
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      to: fc.constantFrom('remotemedia-server', 'nobody', ''),
      sdp,
      manifest: fc.oneof(manifestText, nastyJson),
      pipeline: nastyString,
      request_id: nastyString,
    },
    { requiredKeys: ['to', 'sdp'] },
  ),
  fc.record(
    { session_id: fc.oneof(nastyString, fc.uuid()), candidate: nastyString, sdp_mid: nastyString, sdp_m_line_index: nastyNumber },
    { requiredKeys: [] },
  ),
  nastyJson,
);

const rpcMessage: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        method: fc.constantFrom('peer.announce', 'peer.offer', 'peer.ice_candidate', 'peer.disconnect', 'peer.list', 'server.health', 'nope'),
        params: rpcParams,
        id: fc.oneof(fc.nat(), fc.string({ maxLength: 8 })),
      })
      .map((m) => JSON.stringify({ jsonrpc: '2.0', ...m })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'not json',
      '[]',
      '{"jsonrpc":"1.0","id":1,"method":"x"}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","id":{},"method":"peer.list"}',
      '{"jsonrpc":"2.0","id":5,"result":1}',
    ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 32 }) },
);

type WebRtcCase =
  | { kind: 'signaling'; announce: boolean; messages: Array<string | Uint8Array> }
  | { kind: 'whip'; contentType: string; query: string; body: string }
  | { kind: 'path'; method: string; path: string };

export const webrtcCases: fc.Arbitrary<WebRtcCase> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('signaling' as const), announce: fc.boolean(), messages: fc.array(rpcMessage, { minLength: 1, maxLength: 6 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('whip' as const),
      contentType: fc.constantFrom('application/sdp', 'application/json', ''),
      query: fc.option(manifestText, { nil: undefined }).map((m) => (m ? `?manifest=${encodeURIComponent(m.slice(0, 4000))}` : '')),
      body: sdp,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('path' as const),
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH'),
      path: fc.tuple(fc.constantFrom('/whip/', '/', '/signaling/', '/health/'), pathSegment).map(([a, b]) => a + b),
    }),
  },
);

const newAgent = () => new Agent({ connections: 4, headersTimeout: 20_000, bodyTimeout: 20_000 });
let agent = newAgent();

function signaling(server: LiveServer, c: Extract<WebRtcCase, { kind: 'signaling' }>): Promise<string | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`);
    const waiting = new Set<string>();
    let problem: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      ws.close();
      resolve(problem);
    };
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      problem = res.statusCode && res.statusCode >= 500 ? `signaling upgrade: HTTP ${res.statusCode}` : undefined;
      finish();
    });
    ws.on('message', (data) => {
      let msg: { id?: unknown; error?: { code?: number; message?: string; data?: unknown } };
      try {
        msg = JSON.parse(messageText(data)) as typeof msg;
      } catch {
        problem ??= `signaling: a frame that is not JSON: ${messageText(data).slice(0, 100)}`;
        return;
      }
      if (msg.error) {
        if (msg.error.code === -32603) problem ??= `signaling: JSON-RPC internal error: ${msg.error.message?.slice(0, 300)}`;
        if (msg.error.data !== undefined) problem ??= judgeErrorObject(msg.error.data, 'signaling error data');
      }
      if (msg.id !== undefined) waiting.delete(JSON.stringify(msg.id));
      if (!waiting.size) finish();
    });
    ws.on('open', () => {
      const messages = c.announce ? [JSON.stringify({ jsonrpc: '2.0', id: 'announce', method: 'peer.announce', params: {} }), ...c.messages] : c.messages;
      for (const m of messages) {
        if (typeof m === 'string') {
          try {
            const id = (JSON.parse(m) as { id?: unknown; method?: unknown }).id;
            if ((typeof id === 'string' || typeof id === 'number') && typeof (JSON.parse(m) as { method?: unknown }).method === 'string')
              waiting.add(JSON.stringify(id));
          } catch {
            /* not JSON: the server answers with a parse error (id null) */
          }
        }
        ws.send(m);
      }
      // Every request with an id gets its answer within 10 s, or that is the problem.
      timer = setTimeout(
        () => {
          if (waiting.size) problem ??= `signaling: no answer to request(s) ${[...waiting].join(', ').slice(0, 100)} within 10 s`;
          finish();
        },
        waiting.size ? 10_000 : 300,
      );
    });
    ws.on('close', () => {
      clearTimeout(timer);
      resolve(problem);
    });
  });
}

async function http(
  server: LiveServer,
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
  what: string,
): Promise<string | undefined> {
  const res = await request(server.url + path, { method: method as 'GET', body, headers, dispatcher: agent, signal: AbortSignal.timeout(20_000) });
  const buf = Buffer.from(await res.body.arrayBuffer());
  const location = res.headers.location;
  // A WHIP session that was opened is closed again, as a client would.
  if (res.statusCode === 201 && typeof location === 'string')
    await request(server.url + location, { method: 'DELETE', dispatcher: agent })
      .then((r) => r.body.dump())
      .catch(() => undefined);
  return judgeHttpAnswer(res.statusCode, buf, what);
}

export const webrtcTarget: FuzzTarget<WebRtcCase> = {
  name: 'webrtc',
  cases: webrtcCases,
  async warmUp(server) {
    await http(server, 'GET', '/health', undefined, {}, 'warm-up');
  },
  async healthy(server) {
    return within(
      2000,
      request(`${server.url}/health`, { dispatcher: agent }).then(async (r) => (await r.body.dump(), r.statusCode === 200)),
      () => false,
    ).catch(() => false);
  },
  async send(server, c) {
    switch (c.kind) {
      case 'signaling':
        return signaling(server, c);
      case 'whip':
        return http(server, 'POST', `/whip${c.query}`, c.body, c.contentType ? { 'content-type': c.contentType } : {}, 'POST /whip');
      case 'path':
        return http(server, c.method, c.path, undefined, {}, `${c.method} ${c.path.slice(0, 80)}`);
    }
  },
  async close() {
    await agent.close();
    agent = newAgent();
  },
};
