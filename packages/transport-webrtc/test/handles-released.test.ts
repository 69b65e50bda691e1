import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('./helpers/close-and-exit.ts', import.meta.url));

describe('closing releases everything (issue 23: `pnpm bench webrtc` never exited)', () => {
  it('a process that ran a server and a client with data and audio sessions exits on its own once both are closed', async () => {
    const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // Bounded wait: the child reports what is still open after 5 s; then it is killed and the test fails.
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    expect(out).toContain('closed');
    expect(out).not.toContain('still open');
    expect(code, out).toBe(0);
  }, 60_000);
});
