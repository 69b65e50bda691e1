import { describeTransportConformance } from '@remotemedia/runtime-core/testing';
import { pino } from 'pino';
import { type GrpcProtocol, createGrpcPipelineClient, createGrpcServer } from '../src/index.js';

for (const protocol of ['grpc', 'grpc-web', 'connect'] satisfies GrpcProtocol[]) {
  describeTransportConformance(`grpc transport (${protocol})`, {
    async start({ pipeline, authTokens }) {
      const server = createGrpcServer({
        pipeline,
        authTokens,
        bindAddress: '127.0.0.1:0',
        logger: pino({ level: 'silent' }),
        shutdownGraceMs: 500,
        shutdownFlushMs: 500,
      });
      const { url } = await server.listen();
      return {
        client: (token?: string) => createGrpcPipelineClient({ baseUrl: url, token, protocol }),
        close: () => server.close(),
      };
    },
  });
}
