import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { conformanceNodes } from '@remotemedia/runtime-core/testing';
import { pino } from 'pino';
import { type GrpcServerOptions, createGrpcServer } from '../src/index.js';

export const TOKEN = 'test-token-abcdefghijklmnop';
export const PROTO_DIR = new URL('../../../proto/', import.meta.url).pathname;

/** A real server on a loopback port with the Node runner plus the conformance test nodes. */
export async function startServer(options: Partial<GrpcServerOptions> = {}) {
  const runner = createNodeRunner({ nodes: conformanceNodes });
  const server = createGrpcServer({
    pipeline: runner,
    authTokens: [TOKEN],
    bindAddress: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    shutdownGraceMs: 500,
    shutdownFlushMs: 500,
    ...options,
  });
  const address = await server.listen();
  return { server, runner, url: address.url, port: address.port };
}

export const passThrough = (name = 'pt') => ({ version: 'v1' as const, metadata: { name }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] });

/** float32 little-endian bytes, as the wire carries audio. */
export function f32le(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}
