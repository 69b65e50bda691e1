// remotemedia/nodes.py (Python classes of the built-in node types) is generated from
// schemas/nodes.json; scripts/check-generated.mjs runs the same check in CI.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PYTHON_SDK_DIR, createNodeRegistry } from '@remotemedia/runtime-core/node';

const generator = fileURLToPath(new URL('../../scripts/gen-python-nodes.mjs', import.meta.url));

describe('generated Python node classes', () => {
  it('python/remotemedia/nodes.py is fresh (regenerate: node packages/runtime-core/scripts/gen-python-nodes.mjs)', () => {
    const r = spawnSync(process.execPath, [generator, '--check'], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('has one class per registered built-in node type, with its params as keyword arguments', () => {
    const script = [
      'import inspect, json',
      'from remotemedia.nodes import BUILTIN_NODES',
      'print(json.dumps({t: sorted(p for p in inspect.signature(c.__init__).parameters if p not in ("self", "name")) for t, c in BUILTIN_NODES.items()}))',
    ].join('\n');
    const classes = JSON.parse(execFileSync('python3', ['-c', script], { env: { ...process.env, PYTHONPATH: PYTHON_SDK_DIR }, encoding: 'utf8' })) as Record<
      string,
      string[]
    >;
    const nodes = createNodeRegistry().listNodes();
    expect(Object.keys(classes).sort()).toEqual(nodes.map((n) => n.type).sort());
    for (const n of nodes) {
      const props = Object.keys((n.paramsJsonSchema as { properties?: Record<string, unknown> }).properties ?? {});
      expect(classes[n.type], n.type).toEqual(props.sort());
    }
  });
});
