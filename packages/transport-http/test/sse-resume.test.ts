import { Code } from '@remotemedia/runtime-core';
import { createHttpPipelineClient } from '@remotemedia/transport-http';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@remotemedia/test-support';
import { TOKEN, auth, chain, curl, expectErrorShape, postJson, type Started, startServer } from './helpers.js';
import { startTcpProxy } from './tcp-proxy.js';

let s: Started | undefined;
afterEach(async () => {
  await s?.server.close({ graceMs: 200 });
  s = undefined;
});

type SseEvent = { id?: string; event?: string; data?: string };
const parseSse = (text: string): SseEvent[] =>
  text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])));

/** Opens the SSE output with fetch, reads until `count` output events arrived, then drops the connection. */
async function readThenDrop(url: string, id: string, count: number): Promise<SseEvent[]> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/sessions/${id}/output`, { headers: auth, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (parseSse(text).filter((e) => e.event === 'output').length < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended early: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return parseSse(text);
}

const doubler = chain('double', ['x2', 'Calculator', { operation: 'multiply', operand: 2 }]);
const values = (events: SseEvent[]) => events.filter((e) => e.event === 'output').map((e) => JSON.parse(e.data!).data.value);

describe('SSE resume with Last-Event-ID', () => {
  it('curl resuming after a dropped connection gets the missed events from the replay buffer, then end', async () => {
    s = await startServer({ sseResumeGraceMs: 10_000 });
    const id = (await postJson(`${s.url}/v1/sessions`, { manifest: doubler })).body.sessionId as string;
    await postJson(`${s.url}/v1/sessions/${id}/input`, { inputs: [1, 2, 3].map((value) => ({ kind: 'json', value })) });
    const first = await readThenDrop(s.url, id, 3);
    expect(first.map((e) => e.id)).toEqual(['1', '2', '3']);
    expect(values(first)).toEqual([2, 4, 6]);
    // While nobody reads, the session waits (within the grace period) and keeps producing.
    await postJson(`${s.url}/v1/sessions/${id}/input`, { inputs: [4, 5].map((value) => ({ kind: 'json', value })) });
    await postJson(`${s.url}/v1/sessions/${id}/end`, {});
    // Claim to have seen only event 1: events 2 and 3 are replayed too.
    const { stdout, status } = await curl('-N', `${s.url}/v1/sessions/${id}/output`, '-H', `Authorization: Bearer ${TOKEN}`, '-H', 'Last-Event-ID: 1');
    expect(status).toBe(200);
    const resumed = parseSse(stdout);
    expect(resumed.map((e) => e.id)).toEqual(['2', '3', '4', '5', '6']);
    expect(values(resumed)).toEqual([4, 6, 8, 10]);
    expect(resumed.at(-1)!.event).toBe('end');
    await waitUntil(() => s!.server.sessionCount === 0 && s!.runner.activeSessionCount === 0, { what: 'the delivered session to be removed' });
  });

  it('events that fell out of the bounded buffer: a clear error event, and the session is closed', async () => {
    s = await startServer({ sseReplayEvents: 2, sseResumeGraceMs: 10_000 });
    const id = (await postJson(`${s.url}/v1/sessions`, { manifest: doubler })).body.sessionId as string;
    await postJson(`${s.url}/v1/sessions/${id}/input`, { inputs: [1, 2, 3, 4, 5].map((value) => ({ kind: 'json', value })) });
    await readThenDrop(s.url, id, 5);
    const { stdout, status } = await curl('-N', `${s.url}/v1/sessions/${id}/output`, '-H', `Authorization: Bearer ${TOKEN}`, '-H', 'Last-Event-ID: 1');
    expect(status).toBe(200);
    const [event] = parseSse(stdout);
    expect(event.event).toBe('error');
    const body = JSON.parse(event.data!);
    expectErrorShape(body);
    expect(body).toMatchObject({ code: 'out_of_range', reason: 'ReplayUnavailable' });
    expect(body.message).toContain('events 2..3 are no longer buffered');
    await waitUntil(() => s!.server.sessionCount === 0 && s!.runner.activeSessionCount === 0, { what: 'the session to be closed' });
    expect((await fetch(`${s.url}/v1/sessions/${id}`, { headers: auth })).status).toBe(404);
  });

  it('a resume takes over a reader the server still thinks is alive; a bad Last-Event-ID is a 400', async () => {
    s = await startServer();
    const id = (await postJson(`${s.url}/v1/sessions`, { manifest: doubler })).body.sessionId as string;
    const stale = await fetch(`${s.url}/v1/sessions/${id}/output`, { headers: auth });
    let staleText = '';
    const staleRead = (async () => {
      const decoder = new TextDecoder();
      const reader = stale.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) staleText += decoder.decode(r.value, { stream: true });
    })().catch(() => {}); // cut off by the takeover: the body ends or errors
    await postJson(`${s.url}/v1/sessions/${id}/input`, { kind: 'json', value: 21 });
    for (const bad of ['abc', '-1', '7']) {
      const res = await fetch(`${s.url}/v1/sessions/${id}/output`, { headers: { ...auth, 'last-event-id': bad } });
      expect(res.status, bad).toBe(400);
      expect((await res.json()).details[0].path).toBe('headers.last-event-id');
    }
    expect((await fetch(`${s.url}/v1/sessions/${id}/output`, { headers: auth })).status).toBe(409); // not a resume
    await waitUntil(
      async () =>
        (await fetch(`${s!.url}/v1/sessions/${id}/output`, { headers: { ...auth, 'last-event-id': '1' } }).then((r) => (r.body?.cancel(), r.status))) === 200,
      { what: 'event 1' },
    );
    await staleRead; // the stale reader was cut off
    expect(staleText).toContain('id: 1\nevent: output');
    // The taker-over dropped too; the session is closed after the grace period.
    await waitUntil(() => s!.server.sessionCount === 0 && s!.runner.activeSessionCount === 0, { what: 'the abandoned session to be closed' });
  });

  it('the client resumes its SSE stream after the connection drops: every output exactly once, in order', async () => {
    s = await startServer({ sseResumeGraceMs: 10_000 });
    const proxy = await startTcpProxy(s.url);
    const client = createHttpPipelineClient({ baseUrl: proxy.url, token: TOKEN, streaming: 'sse' });
    try {
      const session = await client.stream(chain('resume', ['c', 'Calculator', { operation: 'add', operand: 1000 }]));
      const got: unknown[] = [];
      for (const value of [1, 2, 3]) await session.send({ kind: 'json', value });
      for (let i = 0; i < 3; i++) got.push(((await session.recv())!.data as { value: unknown }).value);
      const isOutputStream = (c: { head: string }) => /^GET \/v1\/sessions\/[^ ]+\/output /.test(c.head);
      expect(proxy.drop(isOutputStream)).toBe(1);
      for (const value of [4, 5]) await session.send({ kind: 'json', value });
      const reading = (async () => {
        for await (const out of session.outputs) got.push((out.data as { value: unknown }).value);
      })();
      await session.end();
      await reading;
      expect(got).toEqual([1001, 1002, 1003, 1004, 1005]);
      const streams = proxy.connections.filter(isOutputStream);
      expect(streams.length).toBeGreaterThanOrEqual(2);
      expect(streams[0].head.toLowerCase()).not.toContain('last-event-id');
      expect(streams[1].head.toLowerCase()).toContain('last-event-id: 3');
      await waitUntil(() => s!.server.sessionCount === 0 && s!.runner.activeSessionCount === 0, { what: 'sessions to be cleaned up' });
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('the client gives up after sseResumeAttempts when the server is gone, failing with Unavailable', async () => {
    s = await startServer();
    const proxy = await startTcpProxy(s.url);
    const client = createHttpPipelineClient({ baseUrl: proxy.url, token: TOKEN, streaming: 'sse', sseResumeAttempts: 2 });
    const session = await client.stream(doubler);
    await session.send({ kind: 'json', value: 1 });
    expect(((await session.recv())!.data as { value: unknown }).value).toBe(2);
    await proxy.close(); // every connection cut, and nothing listens any more
    await expect(session.recv()).rejects.toMatchObject({ code: Code.Unavailable });
    await client.close();
  });
});
