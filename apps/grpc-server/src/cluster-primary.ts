import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { createTokenCheck, parseBearer } from '@remotemedia/runtime-core/kit';
import type { Logger } from 'pino';
import { mergeWorkerMetrics } from './merge-metrics.js';
import { workerExecArgv } from './worker-exec-argv.js';

/** Messages between the primary and its workers (over cluster IPC). */
export type WorkerMessage = { type: 'remotemedia:ready'; url: string; port: number } | { type: 'remotemedia:metrics'; id: number; text: string };
export type PrimaryMessage = { type: 'remotemedia:metrics'; id: number } | { type: 'remotemedia:shutdown' };

export interface ClusterPrimaryOptions {
  workers: number;
  logger: Logger;
  /** Prometheus /metrics of all workers, merged with a `worker` label. Undefined: none. */
  metricsHost: string;
  metricsPort: number | undefined;
  /** Bearer tokens GET /metrics requires (401 without one). Undefined: open. */
  metricsTokens?: readonly string[];
  /** Slow HTTP/1.1 clients of /metrics are cut after this many ms without complete headers. Default 10000. */
  headersTimeoutMs?: number;
  /** How long workers get to drain on SIGTERM before they are killed. */
  shutdownGraceMs: number;
}

/**
 * The primary of `--workers N`: forks N server processes that share the listening port (the OS
 * spreads connections; one HTTP/2 connection and its sessions stay on one worker), restarts a
 * worker that dies, serves merged /metrics, and on SIGTERM/SIGINT lets every worker drain.
 */
export function runClusterPrimary(options: ClusterPrimaryOptions): void {
  const { logger } = options;
  let stopping = false;
  const ready = new Set<number>();
  let announced = false;
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, options.workers, availableParallelism()) });
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: WorkerMessage) => {
      if (message?.type !== 'remotemedia:ready') return;
      ready.add(worker.id);
      if (!announced && ready.size === options.workers) {
        announced = true;
        logger.info({ url: message.url, port: message.port, workers: options.workers, metrics: metricsUrl }, 'ready');
      }
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info({}, 'all workers stopped');
        metrics?.close();
        process.exit(0);
      }
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'worker died; starting a new one');
    setTimeout(fork, 500).unref();
  });

  const tokenAllowed = options.metricsTokens ? createTokenCheck(options.metricsTokens) : undefined;
  let metricsUrl: string | undefined;
  let nextId = 0;
  const collect = async (): Promise<string> => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const texts = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ worker: string; text: string }>((resolve) => {
            const id = ++nextId;
            const timer = setTimeout(() => done(''), 2000);
            const onMessage = (m: WorkerMessage) => m?.type === 'remotemedia:metrics' && m.id === id && done(m.text);
            const done = (text: string) => {
              clearTimeout(timer);
              w.off('message', onMessage);
              resolve({ worker: String(w.id), text });
            };
            w.on('message', onMessage);
            w.send({ type: 'remotemedia:metrics', id } satisfies PrimaryMessage);
          }),
      ),
    );
    return mergeWorkerMetrics(texts);
  };
  const metrics =
    options.metricsPort === undefined
      ? undefined
      : createServer((req, res) => {
          if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
            if (tokenAllowed && !tokenAllowed(parseBearer(req.headers.authorization ?? ''))) {
              res
                .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
                .end('GET /metrics needs `authorization: Bearer <token>` (the server requires auth; see --metrics-public)\n');
              return;
            }
            collect().then(
              (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
              (error: unknown) => {
                logger.error({ err: (error as Error)?.message }, 'metrics collection failed');
                res.writeHead(500).end('metrics collection failed\n');
              },
            );
          } else res.writeHead(404).end('not found; try GET /metrics\n');
        });
  if (metrics) {
    metrics.headersTimeout = options.headersTimeoutMs ?? 10_000;
    metrics.requestTimeout = Math.max(metrics.headersTimeout, 30_000);
  }
  const forkAll = () => {
    for (let i = 0; i < options.workers; i++) fork();
  };
  // Workers start once /metrics listens, so the `ready` line can name its address.
  if (metrics) {
    metrics.listen(options.metricsPort, options.metricsHost, () => {
      const a = metrics.address() as AddressInfo;
      const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.address;
      metricsUrl = `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
      forkAll();
    });
  } else forkAll();

  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing workers');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: workers drain their sessions');
    // Over IPC, not a signal: a terminal's Ctrl-C already reaches every worker, and a worker must not
    // take the forwarded request for a second, "exit now" signal.
    for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send({ type: 'remotemedia:shutdown' } satisfies PrimaryMessage);
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    }, options.shutdownGraceMs + 15_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP reloads the named pipelines of every worker.
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
}
