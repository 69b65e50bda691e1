// Issue 23: the demo server shares its port with the WebRTC server; garbage on it gets a 4xx and a
// closed connection, never a crash or a socket left open.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, createDemoServer } from '../src/demo-server.js';

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.end(text);
  });
}

describe('web demo server: hostile requests', () => {
  let server: DemoServer;
  beforeAll(async () => {
    server = await createDemoServer();
  }, 60_000);
  afterAll(() => server?.close());

  it('an unparseable target is a 400, an upgrade on an unknown path a 404 and closed, and the page is still served', async () => {
    const port = Number(new URL(server.url).port);
    expect(await raw(port, 'GET http://[bad/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400[^]*MalformedRequestTarget/);
    expect(
      await raw(
        port,
        'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    ).toMatch(/^HTTP\/1.1 404/);
    expect((await fetch(server.url)).status).toBe(200);
    expect((await fetch(`${server.url}health`)).status).toBe(200);
  });
});
