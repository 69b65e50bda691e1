import { describe, expect, it } from 'vitest';
import { parseGrpcAppConfig, toServerOptions } from '../src/server-config.js';

describe('grpc-server config (flags over env over defaults)', () => {
  it('has sensible defaults and no external services', () => {
    const c = parseGrpcAppConfig([], {});
    expect(c).toMatchObject({ bindAddress: '0.0.0.0:50051', authTokens: [], requireAuth: false, metricsPort: 9464, maxConcurrentSessions: 2000 });
  });

  it('reads GRPC_* env and lets flags win', () => {
    const env = { GRPC_BIND_ADDRESS: '127.0.0.1:6000', GRPC_AUTH_TOKENS: 'a, b,,c', GRPC_MAX_NODES_PER_MANIFEST: '9', GRPC_METRICS_PORT: '-1' };
    const c = parseGrpcAppConfig(['--bind', '[::1]:7000', '--max-sessions', '5'], env);
    expect(c).toMatchObject({
      bindAddress: '[::1]:7000',
      authTokens: ['a', 'b', 'c'],
      requireAuth: true,
      maxNodesPerManifest: 9,
      maxConcurrentSessions: 5,
      metricsPort: undefined,
    });
    expect(toServerOptions(c).limits).toMatchObject({ maxNodesPerManifest: 9, maxConcurrentSessions: 5 });
  });

  it('wires the hardening limits and timeouts, with their defaults', () => {
    const defaults = toServerOptions(parseGrpcAppConfig([], {}));
    expect(defaults.limits).toMatchObject({ initTimeoutMs: 10_000 });
    expect(defaults.timeouts).toEqual({ headersTimeoutMs: 10_000, idleTimeoutMs: 300_000 });
    expect(defaults.metricsPublic).toBe(false);
    const env = { GRPC_INIT_TIMEOUT_MS: '500', GRPC_HEADERS_TIMEOUT_MS: '2000', GRPC_IDLE_TIMEOUT_MS: '60000', GRPC_METRICS_PUBLIC: 'true' };
    const set = toServerOptions(parseGrpcAppConfig(['--idle-timeout-ms', '7000'], env));
    expect(set.limits).toMatchObject({ initTimeoutMs: 500 });
    expect(set.timeouts).toEqual({ headersTimeoutMs: 2000, idleTimeoutMs: 7000 });
    expect(set.metricsPublic).toBe(true);
    expect(() => parseGrpcAppConfig(['--init-timeout-ms', '0'], {})).toThrow(/--init-timeout-ms must be an integer >= 1/);
  });

  it('rejects bad values with a message naming the setting', () => {
    const quiet = { GRPC_REQUIRE_AUTH: 'true' };
    expect(() => parseGrpcAppConfig([], quiet)).toThrow(/GRPC_AUTH_TOKENS is empty/);
    expect(() => parseGrpcAppConfig(['--tls-cert', 'x.pem'], {})).toThrow(/--tls-key/);
  });
});
