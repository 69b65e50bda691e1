import type { PipelineClient, TransportClientOptions } from '@remotemedia/runtime-core';
import { createWebRtcPipelineClient } from './node-client.js';

/**
 * The generic entry `@remotemedia/remote-client` loads by dynamic import. `endpoint` is the
 * signaling URL (`ws://host:port/signaling`); an `http(s)://host:port` base gets `/signaling`.
 * `timeoutMs` is the default deadline of calls that pass none.
 */
export function createTransportClient(options: TransportClientOptions): PipelineClient {
  const url = new URL(options.endpoint);
  if (url.protocol === 'http:' || url.protocol === 'https:') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/signaling';
  return createWebRtcPipelineClient({
    signalingUrl: url.toString(),
    ...(options.authToken !== undefined ? { token: options.authToken } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}
