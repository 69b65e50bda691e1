// A transport package that is not installed: in this workspace every transport is linked (they
// are remote-client's optional peers), so the one missing here is made unresolvable for this file
// only, failing the way Node's resolver does for an absent package.
import { type ManifestInput, createPipelineRunner, json } from '@remotemedia/runtime-core';
import { describe, expect, it, vi } from 'vitest';
import { createRemotePipelineNode } from '../src/index.js';

vi.mock('@remotemedia/transport-webrtc', () => {
  throw Object.assign(new Error("Cannot find package '@remotemedia/transport-webrtc' imported from remote-client"), { code: 'ERR_MODULE_NOT_FOUND' });
});

const remoteManifest: ManifestInput = { version: 'v1', metadata: { name: 'add-ten' }, nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } }] };

describe('a transport that is not installed', () => {
  it('names the package to install', async () => {
    const definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    const manifest: ManifestInput = {
      version: 'v1',
      metadata: { name: 'local' },
      nodes: [{ id: 'remote', nodeType: 'RemotePipeline', params: { transport: 'webrtc', endpoint: 'x', manifest: remoteManifest, healthCheck: { enabled: false }, retry: { maxRetries: 0 } } }],
    };
    try {
      const failure = runner.execute(manifest, [json(1)]);
      await expect(failure).rejects.toThrow(/install it \(npm install @remotemedia\/transport-webrtc\)/);
      await expect(failure).rejects.toMatchObject({ code: 9 });
    } finally {
      await definition.close();
    }
  });
});
