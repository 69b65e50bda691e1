import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PYTHON_SDK_DIR } from '@remotemedia/runtime-core/node';

describe('remotemedia.runtime (Python calling the runtime)', () => {
  it('passes its Python unittest suite, run with real python3 and the Node bridge', () => {
    const testsDir = fileURLToPath(new URL('../../python/tests', import.meta.url));
    const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-v', '-s', testsDir, '-t', PYTHON_SDK_DIR], { encoding: 'utf8', timeout: 60_000 });
    const report = `${result.stdout}\n${result.stderr}`;
    expect(report, report).toMatch(/Ran \d+ tests/);
    expect(result.status, report).toBe(0);
    expect(report).toMatch(/\nOK/);
    expect(report).toMatch(/test_calculator_add_5 \(.*RuntimeBridgeTest.*\) \.\.\. ok/);
  });
});
