// A transport package that is not installed. In this workspace every transport is linked (they
// are remote-client's optional peers), so a child process runs the real code with a module
// resolve hook that refuses the one package, failing exactly as Node's resolver does for an
// absent package (ERR_MODULE_NOT_FOUND).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

const HOOK = `
export async function resolve(specifier, context, next) {
  if (specifier === '@remotemedia/transport-webrtc') {
    throw Object.assign(new Error("Cannot find package '@remotemedia/transport-webrtc'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;

const SCRIPT = `
import { createPipelineRunner, json } from '@remotemedia/runtime-core';
import { createRemotePipelineNode } from '@remotemedia/remote-client';
const definition = createRemotePipelineNode();
const runner = createPipelineRunner({ nodes: [definition] });
const remote = { version: 'v1', metadata: { name: 'add-ten' }, nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } }] };
const params = { transport: 'webrtc', endpoint: 'x', manifest: remote, healthCheck: { enabled: false }, retry: { maxRetries: 0 } };
try {
  await runner.execute({ version: 'v1', metadata: { name: 'local' }, nodes: [{ id: 'remote', nodeType: 'RemotePipeline', params }] }, [json(1)]);
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
} finally {
  await definition.close();
}`;

describe('a transport that is not installed', () => {
  it('names the package to install', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-missing-transport-'));
    try {
      writeFileSync(join(dir, 'hook.mjs'), HOOK);
      writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hook.mjs')}`)});\n`);
      // Run from the package folder so its own dependencies resolve as they do for a user.
      writeFileSync(join(packageDir, '.missing-transport.tmp.mjs'), SCRIPT);
      const child = spawnSync(
        process.execPath,
        ['--conditions=@remotemedia/source', '--import', 'tsx', '--import', join(dir, 'register.mjs'), '.missing-transport.tmp.mjs'],
        {
          cwd: packageDir,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      const result = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { code?: number; message?: string };
      expect(result.message, child.stderr).toMatch(/install it \(npm install @remotemedia\/transport-webrtc\)/);
      expect(result.code).toBe(9); // FailedPrecondition
    } finally {
      rmSync(join(packageDir, '.missing-transport.tmp.mjs'), { force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
