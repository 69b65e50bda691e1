import type http2 from 'node:http2';
import type { GrpcServerOptions } from './server-options.js';

/**
 * CORS headers for an allowed `origin`; answers a preflight (OPTIONS) itself. True when the
 * request is answered.
 */
export function applyCors(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, cors: NonNullable<GrpcServerOptions['cors']>): boolean {
  const origin = req.headers.origin;
  const allowed = typeof origin === 'string' && (cors.origins === '*' || cors.origins.includes(origin));
  if (allowed) {
    res.setHeader('access-control-allow-origin', cors.origins === '*' ? '*' : origin);
    if (cors.origins !== '*') res.setHeader('vary', 'origin');
    res.setHeader('access-control-expose-headers', 'grpc-status, grpc-message, grpc-status-details-bin, connect-content-encoding, x-request-id');
  }
  if (req.method !== 'OPTIONS') return false;
  req.resume();
  if (allowed) {
    res.setHeader('access-control-allow-methods', 'POST, GET, OPTIONS');
    res.setHeader(
      'access-control-allow-headers',
      'authorization, content-type, connect-protocol-version, connect-timeout-ms, connect-content-encoding, connect-accept-encoding, grpc-timeout, x-grpc-web, x-user-agent, x-request-id',
    );
    res.setHeader('access-control-max-age', String(cors.maxAgeSeconds ?? 600));
  }
  res.writeHead(allowed ? 204 : 403);
  res.end();
  return true;
}
