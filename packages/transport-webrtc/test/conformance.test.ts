import { describeTransportConformance } from '@remotemedia/runtime-core/testing';
import { createTransportClient, createWebRtcPipelineClient, createWebRtcServer } from '../src/index.js';

describeTransportConformance('webrtc', {
  async start({ pipeline, authTokens }) {
    const server = await createWebRtcServer({ pipeline, authTokens, iceHostAddresses: ['127.0.0.1'], lingerMs: 500 });
    return {
      client: (token) => createWebRtcPipelineClient({ signalingUrl: server.signalingUrl, iceHostAddresses: ['127.0.0.1'], ...(token ? { token } : {}) }),
      close: () => server.close(),
    };
  },
});

// createTransportClient is the contract entry used by @remotemedia/remote-client.
describeTransportConformance('webrtc via createTransportClient', {
  async start({ pipeline, authTokens }) {
    const server = await createWebRtcServer({ pipeline, authTokens, iceHostAddresses: ['127.0.0.1'], lingerMs: 500 });
    return { client: (token) => createTransportClient({ endpoint: server.url, ...(token ? { authToken: token } : {}) }), close: () => server.close() };
  },
});
