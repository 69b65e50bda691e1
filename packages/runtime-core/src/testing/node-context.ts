import type { RuntimeData } from '../data/runtime-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { NodeContext } from '../nodes/node-definition.js';

export interface TestNodeContext extends NodeContext {
  /** What the node passed to `emit`, in order. */
  readonly emitted: RuntimeData[];
  /** What the node passed to `fail`, in order. */
  readonly failures: RemoteMediaError[];
  /** Progress values reported, in order. */
  readonly progress: number[];
}

/**
 * A NodeContext for calling a node definition's `create` directly in unit tests, recording what
 * the node emits, fails with and reports. Fields can be overridden.
 */
export function createTestNodeContext(overrides: Partial<NodeContext> = {}): TestNodeContext {
  const emitted: RuntimeData[] = [];
  const failures: RemoteMediaError[] = [];
  const progress: number[] = [];
  return {
    nodeId: 'test-node',
    nodeType: 'Test',
    sessionId: 'test-session',
    signal: new AbortController().signal,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    reportProgress: (fraction) => void progress.push(fraction),
    fail: (error) => void failures.push(RemoteMediaError.from(error, Code.Internal)),
    emit: async (data) => void emitted.push(data),
    emitted,
    failures,
    progress,
    ...overrides,
  };
}
