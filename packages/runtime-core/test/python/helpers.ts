import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ManifestInput } from '@remotemedia/runtime-core';

export const FIXTURE_NODES = fileURLToPath(new URL('./fixtures/test_nodes.py', import.meta.url));
export const BAD_IMPORT = fileURLToPath(new URL('./fixtures/bad_import.py', import.meta.url));
export const DECLARED_NODES = fileURLToPath(new URL('./fixtures/declared_nodes.py', import.meta.url));

type NodeSpec = ManifestInput['nodes'][number];

/** A linear pipeline of the given nodes (ids n0, n1, ...). */
export function chain(nodes: Array<Omit<NodeSpec, 'id'> & { id?: string }>, extra: Partial<ManifestInput> = {}): ManifestInput {
  const withIds = nodes.map((n, i) => ({ id: n.id ?? `n${i}`, ...n })) as NodeSpec[];
  return {
    version: 'v1',
    metadata: { name: 'python-test' },
    nodes: withIds,
    connections: withIds.slice(1).map((n, i) => ({ from: withIds[i].id, to: n.id })),
    ...extra,
  };
}

/** Pids of python processes whose parent is this test process. */
export function pythonChildren(): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are no children
  }
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, comm]) => pid && comm && comm.startsWith('python'))
    .map(([pid]) => Number(pid));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
