// Three real http-server processes behind a real nginx on loopback (deploy/nginx/remotemedia.conf's
// routing): sessions spread, and every follow-up request of a session (input, SSE output, its
// WebSocket, SSE resume with Last-Event-ID, end) reaches the replica named in its id, each on
// its own connection through the balancer. Then draining: SIGTERM on one replica, /health 503,
// new sessions go to the others, its open session finishes.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, type Nginx, httpConfig, nginxAvailable, startApp, startNginx } from '@remotemedia/test-support';

// `ws` is the HTTP transport's own dependency (Node 20 has no global WebSocket).
interface Socket {
  on(event: 'message', listener: (data: unknown) => void): void;
  on(event: 'error' | 'close' | 'open', listener: (arg?: unknown) => void): void;
  once(event: 'open' | 'error', listener: (arg?: unknown) => void): void;
  close(): void;
}
const WebSocket = createRequire(new URL('../../../packages/transport-http/package.json', import.meta.url))('ws') as new (
  url: string,
  protocol: string,
) => Socket;

const NAMES = ['http-a', 'http-b', 'http-c'];
const doubler = { version: 'v1', metadata: { name: 'double' }, nodes: [{ id: 'x2', nodeType: 'Calculator', params: { operation: 'multiply', operand: 2 } }] };

type SseEvent = { id?: string; event?: string; data?: string };
const parseSse = (text: string): SseEvent[] =>
  text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])));
const outputValues = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'output').map((e) => (JSON.parse(e.data!) as { data: { value: number } }).data.value);
const replicaOf = (id: string) => id.slice(0, id.indexOf('.'));

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; replica: string | null }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, replica: res.headers.get('x-remotemedia-replica') };
}

async function createSession(base: string): Promise<string> {
  const res = await post(`${base}/v1/sessions`, { manifest: doubler });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.sessionId as string;
}

async function sendInputs(base: string, id: string, values: number[]): Promise<void> {
  const res = await post(`${base}/v1/sessions/${id}/input`, { inputs: values.map((value) => ({ kind: 'json', value })) });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
}

/** Reads the SSE output (own connection) until `end`, or until `dropAfter` outputs when given (then drops the connection). */
async function readSse(base: string, id: string, opts: { lastEventId?: string; dropAfter?: number } = {}): Promise<SseEvent[]> {
  const controller = new AbortController();
  const res = await fetch(`${base}/v1/sessions/${id}/output`, {
    headers: opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {},
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const events = parseSse(text);
    if (opts.dropAfter !== undefined && events.filter((e) => e.event === 'output').length >= opts.dropAfter) {
      controller.abort();
      return events;
    }
    if (events.some((e) => e.event === 'end' || e.event === 'error')) return events;
    const { value, done } = await reader.read();
    if (done) return parseSse(text);
    text += decoder.decode(value, { stream: true });
  }
}

const run = nginxAvailable() ? describe : describe.skip;

run('HTTP sessions through nginx across three http-servers (session affinity by replica name)', () => {
  const apps: AppProcess[] = [];
  let nginx: Nginx;
  beforeAll(async () => {
    apps.push(
      ...(await Promise.all(
        NAMES.map((name) =>
          startApp(['--bind', '127.0.0.1:0', '--replica-name', name, '--shutdown-grace-ms', '20000', '--sse-resume-grace-ms', '20000'], {}, 'http-server'),
        ),
      )),
    );
    nginx = await startNginx((dir, port) =>
      httpConfig(
        dir,
        port,
        apps.map((a, i) => ({ name: NAMES[i], port: a.port })),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    for (const a of apps) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  });

  it('SSE sessions spread over the three replicas; inputs, outputs and end on separate connections reach the owner', async () => {
    const ids = await Promise.all(Array.from({ length: 60 }, () => createSession(nginx.url)));
    const counts = NAMES.map((name) => ids.filter((id) => replicaOf(id) === name).length);
    for (const c of counts) expect(c / ids.length, `spread ${counts.join(', ')}`).toBeGreaterThanOrEqual(0.2);
    for (const c of counts) expect(c / ids.length, `spread ${counts.join(', ')}`).toBeLessThanOrEqual(0.45);
    const results = await Promise.all(
      ids.map(async (id, n) => {
        const reading = readSse(nginx.url, id);
        for (let i = 0; i < 5; i++) await sendInputs(nginx.url, id, [n * 100 + i]);
        expect((await post(`${nginx.url}/v1/sessions/${id}/end`, {})).status).toBe(202);
        return reading;
      }),
    );
    for (const [n, events] of results.entries()) {
      expect(outputValues(events)).toEqual([0, 1, 2, 3, 4].map((i) => 2 * (n * 100 + i)));
      expect(events.at(-1)!.event).toBe('end');
    }
  });

  it('WebSocket readers on /v1/sessions/<id>/ws get the outputs of inputs POSTed on other connections', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, () => createSession(nginx.url)));
    expect(new Set(ids.map(replicaOf)).size).toBe(3);
    const results = await Promise.all(
      ids.map(async (id, n) => {
        const ws = new WebSocket(`ws://127.0.0.1:${nginx.port}/v1/sessions/${id}/ws`, 'remotemedia.v1');
        const got: number[] = [];
        const done = new Promise<string>((resolve, reject) => {
          ws.on('message', (data) => {
            const msg = JSON.parse(String(data)) as { type: string; item?: { data: { value: number } } };
            if (msg.type === 'output') got.push(msg.item!.data.value);
            else if (msg.type === 'end' || msg.type === 'error') resolve(msg.type);
          });
          ws.on('error', reject);
          ws.on('close', () => resolve('closed'));
        });
        await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
        for (let i = 0; i < 4; i++) await sendInputs(nginx.url, id, [n * 10 + i]);
        expect((await post(`${nginx.url}/v1/sessions/${id}/end`, {})).status).toBe(202);
        const how = await done;
        ws.close();
        return { how, got };
      }),
    );
    for (const [n, r] of results.entries()) {
      expect(r.how).toBe('end');
      expect(r.got).toEqual([0, 1, 2, 3].map((i) => 2 * (n * 10 + i)));
    }
  });

  it('an SSE reader that drops and reconnects with Last-Event-ID through the balancer resumes on the owner', async () => {
    const ids = await Promise.all(Array.from({ length: 9 }, () => createSession(nginx.url)));
    expect(new Set(ids.map(replicaOf)).size).toBe(3);
    for (const [n, id] of ids.entries()) {
      await sendInputs(
        nginx.url,
        id,
        [1, 2, 3].map((v) => n * 10 + v),
      );
      const first = await readSse(nginx.url, id, { dropAfter: 3 });
      expect(first.map((e) => e.id)).toEqual(['1', '2', '3']);
      await sendInputs(
        nginx.url,
        id,
        [4, 5].map((v) => n * 10 + v),
      );
      await post(`${nginx.url}/v1/sessions/${id}/end`, {});
      // Claims to have seen event 1 only: 2 and 3 come from the owner's replay buffer, then the rest.
      const resumed = await readSse(nginx.url, id, { lastEventId: '1' });
      expect(resumed.map((e) => e.id)).toEqual(['2', '3', '4', '5', '6']);
      expect(outputValues(resumed)).toEqual([2, 3, 4, 5].map((v) => 2 * (n * 10 + v)));
      expect(resumed.at(-1)!.event).toBe('end');
    }
  });

  it('SIGTERM on one replica: /health 503 while its open session finishes; new sessions land on the other two', async () => {
    const ids = await Promise.all(Array.from({ length: 9 }, () => createSession(nginx.url)));
    const victim = apps[0];
    const open = ids.filter((id) => replicaOf(id) === NAMES[0]);
    expect(open.length).toBeGreaterThan(0);
    const readers = open.map((id) => readSse(nginx.url, id));
    for (const id of open) await sendInputs(nginx.url, id, [1]);
    victim.child.kill('SIGTERM');
    await expect.poll(async () => (await fetch(`${victim.url}/health`)).status, { timeout: 5000 }).toBe(503);
    // New sessions through the balancer: the draining replica's 503 is retried on the next one.
    const fresh = await Promise.all(Array.from({ length: 12 }, () => createSession(nginx.url)));
    expect(fresh.filter((id) => replicaOf(id) === NAMES[0])).toEqual([]);
    expect(new Set(fresh.map(replicaOf))).toEqual(new Set(NAMES.slice(1)));
    // The draining replica's sessions keep working through the balancer, to their end.
    for (const id of open) {
      await sendInputs(nginx.url, id, [2]);
      await post(`${nginx.url}/v1/sessions/${id}/end`, {});
    }
    for (const events of await Promise.all(readers)) {
      expect(outputValues(events)).toEqual([2, 4]);
      expect(events.at(-1)!.event).toBe('end');
    }
    expect(await victim.exit).toBe(0);
    for (const id of [...fresh, ...ids.filter((id) => replicaOf(id) !== NAMES[0])]) await fetch(`${nginx.url}/v1/sessions/${id}`, { method: 'DELETE' });
  }, 60_000);

  it("SIGKILL on another replica: its sessions fail (SSE ends early, follow-ups 502), the survivor's go on, new sessions land at once", async () => {
    // apps[0] drained above; apps[1] and apps[2] serve.
    const ids = await Promise.all(Array.from({ length: 8 }, () => createSession(nginx.url)));
    const doomed = ids.filter((id) => replicaOf(id) === NAMES[1]);
    const alive = ids.filter((id) => replicaOf(id) === NAMES[2]);
    expect(doomed.length).toBeGreaterThan(0);
    expect(alive.length).toBeGreaterThan(0);
    const readers = new Map(ids.map((id) => [id, readSse(nginx.url, id).catch((e: unknown) => e)]));
    for (const id of ids) await sendInputs(nginx.url, id, [1]);
    apps[1].child.kill('SIGKILL');
    await apps[1].exit;
    for (const id of doomed) {
      const events = await readers.get(id)!;
      // The stream ends without `end`: the client sees its reader cut, never a normal finish.
      if (Array.isArray(events)) expect(events.some((e: SseEvent) => e.event === 'end')).toBe(false);
      const res = await fetch(`${nginx.url}/v1/sessions/${id}/input`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'json', value: 2 }),
      });
      expect(res.status).toBe(502);
      await res.arrayBuffer();
    }
    const fresh = await Promise.all(Array.from({ length: 6 }, () => createSession(nginx.url)));
    expect(new Set(fresh.map(replicaOf))).toEqual(new Set([NAMES[2]]));
    for (const id of alive) {
      await sendInputs(nginx.url, id, [2]);
      await post(`${nginx.url}/v1/sessions/${id}/end`, {});
      const events = (await readers.get(id)!) as SseEvent[];
      expect(outputValues(events)).toEqual([2, 4]);
      expect(events.at(-1)!.event).toBe('end');
    }
    for (const id of fresh) await fetch(`${nginx.url}/v1/sessions/${id}`, { method: 'DELETE' });
  }, 60_000);
});
