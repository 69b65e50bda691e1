// deploy/: the nginx configs are valid for Debian's nginx (`nginx -t`, host names pointed at
// loopback), and the compose file and Kubernetes manifests parse and carry what docs/deploy.md
// promises (probes, resource requests, PodDisruptionBudgets, drain grace).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NGINX, nginxAvailable } from '@remotemedia/test-support';

const root = new URL('../../../', import.meta.url).pathname;
const deploy = join(root, 'deploy');
// `yaml` is the shared server configuration's own dependency.
const YAML = createRequire(join(root, 'packages/server-config/package.json'))('yaml') as { parseAllDocuments(text: string): { toJS(): unknown }[] };
type Doc = { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> } & Record<string, unknown>;
const docs = (file: string): Doc[] => YAML.parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);

/** `nginx -t` of an http-context config, with every `name:port` upstream pointed at loopback. */
function nginxTest(httpContext: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rm-nginx-t-'));
  try {
    mkdirSync(join(dir, 'tmp'));
    const conf = `pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {}
http { client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp; access_log off;
${httpContext} }`;
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const r = spawnSync(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy/ files', () => {
  it.runIf(nginxAvailable())('deploy/nginx/remotemedia.conf passes nginx -t', () => {
    const text = readFileSync(join(deploy, 'nginx/remotemedia.conf'), 'utf8')
      .replace(/server (grpc|http|webrtc)-\d:(\d+)/g, 'server 127.0.0.1:$2')
      .replace(/listen (\d+)/g, 'listen 127.0.0.1:$1');
    const r = nginxTest(text);
    expect(r.output).toMatch(/syntax is ok/);
    expect(r.ok, r.output).toBe(true);
  });

  it.runIf(nginxAvailable())("the Kubernetes nginx ConfigMap's config passes nginx -t", () => {
    const cm = docs(join(deploy, 'kubernetes/nginx.yaml')).find((d) => d.kind === 'ConfigMap') as { data: Record<string, string> };
    const r = nginxTest(cm.data['default.conf'].replace(/resolver \S+/, 'resolver 127.0.0.1').replace(/listen (\d+)/g, 'listen 127.0.0.1:$1'));
    expect(r.ok, r.output).toBe(true);
  });

  it('the compose file names each HTTP replica as nginx routes it', () => {
    const compose = docs(join(deploy, 'compose.yaml'))[0] as { services: Record<string, { command?: string[] }> };
    const conf = readFileSync(join(deploy, 'nginx/remotemedia.conf'), 'utf8');
    for (const name of ['http-1', 'http-2', 'http-3']) {
      const command = compose.services[name].command!;
      expect(command[command.indexOf('--replica-name') + 1]).toBe(name);
      expect(conf).toMatch(new RegExp(`^\\s+${name}\\s+remotemedia_http_\\d;`, 'm'));
    }
    for (const name of ['grpc-1', 'grpc-2', 'grpc-3', 'webrtc-1', 'webrtc-2', 'nginx']) expect(compose.services[name]).toBeDefined();
  });

  it('every Kubernetes workload has readiness probes (gRPC probes for gRPC), resource requests, drain grace and a PodDisruptionBudget', () => {
    const all = readdirSync(join(deploy, 'kubernetes'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => docs(join(deploy, 'kubernetes', f)));
    const workloads = all.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
    expect(workloads.map((w) => w.metadata!.name).sort()).toEqual(['remotemedia-grpc', 'remotemedia-http', 'remotemedia-nginx', 'remotemedia-webrtc']);
    const pdbs = all.filter((d) => d.kind === 'PodDisruptionBudget');
    for (const w of workloads) {
      const pod = (
        w.spec!.template as { spec: { containers: Record<string, Record<string, Record<string, unknown>>>[]; terminationGracePeriodSeconds?: number } }
      ).spec;
      const c = pod.containers[0];
      expect(c.readinessProbe, w.metadata!.name).toBeDefined();
      expect(c.resources.requests, w.metadata!.name).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      const labels = (w.spec!.selector as { matchLabels: Record<string, string> }).matchLabels;
      expect(
        pdbs.some((p) => JSON.stringify((p.spec!.selector as { matchLabels: unknown }).matchLabels) === JSON.stringify(labels)),
        `PDB for ${w.metadata!.name}`,
      ).toBe(true);
      if (w.metadata!.name === 'remotemedia-nginx') continue;
      // The pod outlives the app's own grace period (30 s) plus the preStop sleep.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(40);
    }
    const grpc = workloads.find((w) => w.metadata!.name === 'remotemedia-grpc')!;
    const probe = (grpc.spec!.template as { spec: { containers: { readinessProbe: { grpc?: { port: number } }; livenessProbe: { grpc?: unknown } }[] } }).spec
      .containers[0];
    expect(probe.readinessProbe.grpc).toEqual({ port: 50051 });
    expect(probe.livenessProbe.grpc).toBeDefined();
    const pods = all.find((d) => d.kind === 'Service' && d.metadata!.name === 'remotemedia-http-pods')!;
    expect(pods.spec!.publishNotReadyAddresses).toBe(true);
  });
});
