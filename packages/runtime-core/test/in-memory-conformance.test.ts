import { createInMemoryServer } from '@remotemedia/runtime-core';
import { describeTransportConformance } from '@remotemedia/runtime-core/testing';

describeTransportConformance('in-memory', {
  async start({ pipeline, authTokens }) {
    const server = createInMemoryServer({ pipeline, authTokens });
    return { client: (token) => server.client({ token }), close: () => server.close() };
  },
});
