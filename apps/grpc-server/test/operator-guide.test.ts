// docs/operator-guide.md ("Serve your own models"): every bash block runs for real, in order, from
// the repository root. Blocks starting with `# start:` are servers: spawned, awaited until they log
// `ready`, stopped at the end. The others run to completion; each `# expect:` line must appear in
// their output.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OPERATOR_OPTIONS } from '@remotemedia/server-config';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(repo, 'docs/operator-guide.md'), 'utf8');
const blocks = [...doc.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(repo, 'node_modules/.bin')}:${process.env.PATH}`, LOG_LEVEL: 'info' };
delete env.GRPC_AUTH_TOKENS;
delete env.HTTP_AUTH_TOKENS;

function run(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: repo, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

const servers: ChildProcess[] = [];
function start(script: string): Promise<void> {
  // Its own process group, so stopping it stops the server bash started.
  const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  servers.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not log ready within 60 s: ${stderr}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"msg":"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

afterAll(async () => {
  // Stop the servers and wait for them (their stdout stays read until they are gone).
  await Promise.all(
    servers.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}, 30_000);

describe('docs/operator-guide.md runs for real', () => {
  it('documents every operator flag, with its env var', () => {
    for (const o of OPERATOR_OPTIONS) {
      expect(doc).toContain(`\`${o.flags}\``);
      expect(doc).toContain(`\`${o.env}\``);
    }
  });

  it('the guide has its examples', () => {
    expect(blocks.filter((b) => b.startsWith('# start:')).length).toBe(2);
    expect(blocks.length).toBeGreaterThanOrEqual(9);
  });

  it('every command, in order', async () => {
    for (const [i, block] of blocks.entries()) {
      if (block.startsWith('# start:')) {
        await start(block);
        continue;
      }
      const expectations = [...block.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
      expect(expectations.length, `block ${i + 1} states what it prints`).toBeGreaterThan(0);
      const result = await run(block);
      expect(result.code, `block ${i + 1}:\n${block}\n${result.output}`).toBe(0);
      for (const e of expectations) expect(result.output, `block ${i + 1}`).toContain(e);
    }
  }, 240_000);
});
