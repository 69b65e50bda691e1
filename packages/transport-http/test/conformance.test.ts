import { describeTransportConformance } from '@remotemedia/runtime-core/testing';
import { createHttpPipelineClient, createHttpServer } from '@remotemedia/transport-http';

for (const streaming of ['websocket', 'sse'] as const) {
  describeTransportConformance(`http (${streaming} streaming)`, {
    async start({ pipeline, authTokens }) {
      const server = createHttpServer({ pipeline, authTokens, port: 0, host: '127.0.0.1' });
      const { url: baseUrl } = await server.listen();
      return {
        client: (token) => createHttpPipelineClient({ baseUrl, token, streaming }),
        close: () => server.close({ graceMs: 1000 }),
      };
    },
  });
}
