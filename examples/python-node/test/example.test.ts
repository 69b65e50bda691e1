import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runExample } from '../src/main.js';

describe('python-node example', () => {
  it('runs TypeScript -> Python -> TypeScript', async () => {
    expect(await runExample([1, 2, 3])).toEqual([40, 90, 160]);
  });

  it('runs pipelines from Python code, Python nodes included', () => {
    const script = fileURLToPath(new URL('../call_from_python.py', import.meta.url));
    const result = spawnSync('python3', [script], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('[6, 7, 8]');
    expect(result.stdout).toContain("['hello', 'from', 'python']");
  });
});
