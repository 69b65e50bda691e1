// Test double: named in-memory servers that can be taken down and brought back, standing in
// for real servers in unit tests (the real-server tests live in *.grpc.test.ts / *.http.test.ts).
import {
  Code,
  type PipelineClient,
  type PipelineTransport,
  RemoteMediaError,
  type StreamSession,
  type TransportData,
  createInMemoryServer,
  createPipelineRunner,
  defineNode,
} from '@remotemedia/runtime-core';
import { z } from 'zod';
import type { TransportClientFactory } from '../../src/index.js';

/** Waits `ms` per input, then passes it on: makes calls overlap for load-balancing tests. */
export const SlowEchoNode = defineNode({
  type: 'SlowEcho',
  description: 'echo after a delay',
  paramsSchema: z.object({ ms: z.number().default(5), tag: z.string().optional() }),
  accepts: 'any',
  produces: 'any',
  create: ({ ms }) => ({
    process: async (input, ctx) => {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)), { once: true });
      });
      return input;
    },
  }),
});

export interface FakeServer {
  name: string;
  up: boolean;
  /** Unary calls and session opens this server handled. */
  handled: number;
  /** Kills every open session's output stream with Unavailable. */
  kill(): void;
  revive(): void;
}

export function createFleet(names: string[]) {
  const servers = new Map<string, FakeServer & { sessions: Set<() => void>; pipeline: PipelineTransport }>();
  for (const name of names) {
    const runner = createPipelineRunner({ nodes: [SlowEchoNode] });
    const s = {
      name,
      up: true,
      handled: 0,
      sessions: new Set<() => void>(),
      pipeline: runner,
      kill() {
        s.up = false;
        for (const k of s.sessions) k();
        s.sessions.clear();
      },
      revive() {
        s.up = true;
      },
    };
    servers.set(name, s);
  }
  const down = (name: string) => new RemoteMediaError(Code.Unavailable, `connection refused: ${name}`);

  const factory: TransportClientFactory = ({ endpoint, authToken }) => {
    const s = servers.get(endpoint);
    if (!s) throw new Error(`no fake server ${endpoint}`);
    const inner: PipelineClient = createInMemoryServer({ pipeline: s.pipeline, authTokens: ['secret'] }).client({ token: authToken });
    const client: PipelineClient = {
      async execute(manifest, inputs, options) {
        if (!s.up) throw down(endpoint);
        s.handled++;
        const out = await inner.execute(manifest, inputs, options);
        if (!s.up) throw down(endpoint); // died while the call was in flight
        return out;
      },
      async stream(manifest, options) {
        if (!s.up) throw down(endpoint);
        s.handled++;
        const session = await inner.stream(manifest, options);
        if (!s.up) {
          await session.close('server down');
          throw down(endpoint);
        }
        return killable(session, s.sessions, () => down(endpoint));
      },
      async health() {
        if (!s.up) throw down(endpoint);
        return { status: 'serving' };
      },
      close: () => inner.close(),
    };
    return client;
  };
  return { servers, factory, get: (name: string) => servers.get(name)! };
}

/** A session whose outputs fail with `error()` once killed, like a dropped connection. */
function killable(inner: StreamSession, registry: Set<() => void>, error: () => RemoteMediaError): StreamSession {
  let killed: RemoteMediaError | undefined;
  let onKill: ((e: RemoteMediaError) => void) | undefined;
  const kill = () => {
    killed = error();
    onKill?.(killed);
    void inner.close('killed');
  };
  registry.add(kill);
  const recv = async (): Promise<TransportData | undefined> => {
    if (killed) throw killed;
    return Promise.race([inner.recv(), new Promise<never>((_, reject) => (onKill = reject))]);
  };
  return {
    get sessionId() {
      return inner.sessionId;
    },
    get isActive() {
      return !killed && inner.isActive;
    },
    async send(input, options) {
      if (killed) throw killed;
      return inner.send(input, options);
    },
    recv,
    outputs: {
      async *[Symbol.asyncIterator]() {
        for (let o = await recv(); o !== undefined; o = await recv()) yield o;
      },
    },
    async end() {
      if (killed) throw killed;
      await inner.end();
      registry.delete(kill);
    },
    async close(reason) {
      registry.delete(kill);
      await inner.close(reason);
    },
    metrics: () => inner.metrics(),
  };
}
