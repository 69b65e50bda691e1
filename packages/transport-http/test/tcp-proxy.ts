import { type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One proxied connection: what the client sent first (its request head) and both sockets. */
export interface ProxiedConnection {
  head: string;
  client: Socket;
  upstream: Socket;
}

/**
 * A loopback TCP proxy in front of a server, so a test can cut connections the way a flaky
 * network does (both ends see a reset) while the server and client stay up.
 */
export async function startTcpProxy(
  target: string,
): Promise<{ url: string; connections: ProxiedConnection[]; drop(match: (c: ProxiedConnection) => boolean): number; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const connections: ProxiedConnection[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const conn: ProxiedConnection = { head: '', client, upstream };
    connections.push(conn);
    client.once('data', (chunk) => (conn.head = chunk.toString('latin1')));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    drop(match) {
      const hit = connections.filter((c) => !c.client.destroyed && match(c));
      for (const c of hit) {
        c.client.resetAndDestroy();
        c.upstream.resetAndDestroy();
      }
      return hit.length;
    },
    async close() {
      for (const c of connections) {
        c.client.destroy();
        c.upstream.destroy();
      }
      await new Promise((r) => server.close(r));
    },
  };
}
