import { encodeMessage } from '@remotemedia/transport-http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitUntil } from '@remotemedia/test-support';
import { auth, chain, type Started, startServer, wsMessage } from './helpers.js';

let s: Started | undefined;
afterEach(async () => {
  await s?.server.close({ graceMs: 200 });
  s = undefined;
});

/** Inputs the Repeat node of the one running session has taken, read from the runner's Prometheus text. */
function repeatItemsIn(started: Started): number {
  const line = started.runner
    .metricsText()
    .split('\n')
    .find((l) => l.startsWith('remotemedia_node_items_in_total{') && l.includes('node="r"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('WebSocket backpressure', () => {
  it('a client that stops reading pauses the pipeline; when it reads again every output arrives, in order', async () => {
    s = await startServer();
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1'], { headers: auth, perMessageDeflate: false });
    const outputs: number[] = [];
    let acks = 0;
    ws.on('message', (raw, isBinary) => {
      const msg = wsMessage(raw, isBinary) as { type: string; item?: { metadata: Record<string, string> } };
      if (msg.type === 'output') outputs.push(Number(msg.item!.metadata.n));
      else if (msg.type === 'ack') acks++;
    });
    await new Promise((r) => ws.once('open', r));
    // 16 outputs of 16 KiB per input: 256 KiB out for each input in.
    ws.send(encodeMessage({ type: 'start', manifest: chain('bp', ['r', 'Repeat', { times: 16 }]) }) as string);
    await waitUntil(() => s!.runner.activeSessionCount === 1, { what: 'the session to start' });

    ws.pause(); // stop reading: the server's writes pile up in the kernel, then in its socket buffer
    const INPUTS = 600; // 150 MiB of outputs: far more than loopback socket buffers hold
    const bytes = new Uint8Array(16 * 1024);
    for (let n = 0; n < INPUTS; n++)
      ws.send(encodeMessage({ type: 'input', id: n + 1, item: { data: { kind: 'binary', bytes }, metadata: { n: String(n) } } }));

    // The pipeline stops taking inputs well before the end, and stays stopped.
    let before = -1;
    // Steady = unchanged across one 200 ms interval: the pause is what is observed.
    await waitUntil(
      () => {
        const now = repeatItemsIn(s!);
        const stable = now > 0 && now === before;
        before = now;
        return stable;
      },
      { what: 'the pipeline to stall', timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(repeatItemsIn(s)).toBeLessThan(INPUTS);

    ws.resume();
    await waitUntil(() => outputs.length === INPUTS * 16 && acks === INPUTS, { what: 'every output and ack', timeoutMs: 60_000 });
    expect(outputs.filter((n, i) => n !== Math.floor(i / 16))).toEqual([]);
    ws.close();
  }, 90_000);
});
