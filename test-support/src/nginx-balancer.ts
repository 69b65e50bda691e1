// A real nginx (Debian's, `scripts/system-packages.txt`) in front of real server processes on
// loopback, for the scale-out tests: a generated config in a temp dir, run as a child process with
// `daemon off`, stopped by its pid. The routing rules are those of deploy/nginx/remotemedia.conf.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './wait-until.js';

export interface Replica {
  /** Replica name (HTTP: `--replica-name`, the prefix of its session ids). */
  name: string;
  port: number;
}

export interface Nginx {
  port: number;
  url: string;
  child: ChildProcess;
  /** The error log so far (for failure messages). */
  errorLog(): string;
  stop(): Promise<void>;
}

export const NGINX = '/usr/sbin/nginx';

/** True when the nginx binary runs (the tests are skipped otherwise, with the reason). */
export function nginxAvailable(): boolean {
  return spawnSync(NGINX, ['-v']).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const common = (dir: string) => `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
`;

const temps = (dir: string) => `
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  access_log off;
`;

/** gRPC: one pool, round robin per stream (each stream is pinned to its replica for life). */
export function grpcConfig(dir: string, port: number, replicas: readonly Replica[]): string {
  return `${common(dir)}
http {
${temps(dir)}
  upstream remotemedia_grpc {
${replicas.map((r) => `    server 127.0.0.1:${r.port};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port} http2;
    http2_max_concurrent_streams 1000;
    client_max_body_size 0;
    client_body_timeout 1h;
    location / {
      grpc_pass grpc://remotemedia_grpc;
      grpc_read_timeout 1h;
      grpc_send_timeout 1h;
      grpc_next_upstream error timeout;
    }
  }
}
`;
}

/**
 * HTTP: session routes go to the replica named in the session id (`<replica>.<uuid>`); everything
 * else round robin, with a 503 (a draining replica) or a refused connection retried on the next one.
 */
export function httpConfig(dir: string, port: number, replicas: readonly Replica[]): string {
  return `${common(dir)}
http {
${temps(dir)}
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  map $uri $remotemedia_replica {
    ~^/v1/sessions/(?<replica>[A-Za-z0-9][A-Za-z0-9_-]*)\\. $replica;
    default '';
  }
  map $remotemedia_replica $remotemedia_backend {
    default remotemedia_http;
${replicas.map((r) => `    ${r.name} remotemedia_http_${r.name};`).join('\n')}
  }
  upstream remotemedia_http {
${replicas.map((r) => `    server 127.0.0.1:${r.port};`).join('\n')}
    keepalive 32;
  }
${replicas.map((r) => `  upstream remotemedia_http_${r.name} { server 127.0.0.1:${r.port}; keepalive 8; }`).join('\n')}
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 16m;
    location / {
      proxy_pass http://$remotemedia_backend;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
}

/** Starts nginx with `config(dir, port)`; resolves once it accepts connections (bounded: 10 s). */
export async function startNginx(config: (dir: string, port: number) => string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'rm-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), config(dir, port));
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
  await waitUntil(async () => child.exitCode !== null || (await accepts()), {
    what: `nginx to listen on ${port}`,
    timeoutMs: 10_000,
    intervalMs: 50,
    observe: () => `${stderr}${errorLog()}`,
  });
  if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${errorLog()}`);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** WebRTC signalling: one WebSocket per peer, round robin; the connection keeps the peer and its sessions on one replica. */
export function webrtcConfig(dir: string, port: number, replicas: readonly Replica[]): string {
  return `${common(dir)}
http {
${temps(dir)}
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream remotemedia_webrtc {
${replicas.map((r) => `    server 127.0.0.1:${r.port};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location = /signaling {
      proxy_pass http://remotemedia_webrtc;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_next_upstream error timeout http_503;
    }
    # /health and the rest (a browser test's page origin), round robin.
    location / {
      proxy_pass http://remotemedia_webrtc;
      proxy_http_version 1.1;
    }
  }
}
`;
}
