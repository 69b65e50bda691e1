/**
 * Cycle detection for manifest graphs, linear in nodes + connections and free of recursion (a
 * chain of thousands of nodes must not overflow the stack). Listing every elementary cycle is
 * exponential in the worst case, so each group of nodes that forms cycles (a strongly connected
 * component) is reported once, with its shortest cycle through its first node as the example.
 */

interface GraphInput {
  readonly nodes: ReadonlyArray<{ readonly id: string }>;
  readonly connections: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

/**
 * One example cycle per group of nodes that forms cycles, as ids ending where they start
 * (`['a', 'b', 'a']`), ordered by the group's first node in the manifest. Self-loops and
 * connections to unknown nodes are left out (they are reported on their own).
 */
export function findCycles(manifest: GraphInput): string[][] {
  const ids: string[] = [];
  const indexOf = new Map<string, number>();
  for (const n of manifest.nodes) {
    if (!indexOf.has(n.id)) {
      indexOf.set(n.id, ids.length);
      ids.push(n.id);
    }
  }
  const edges: number[][] = ids.map(() => []);
  for (const c of manifest.connections) {
    const from = indexOf.get(c.from);
    const to = indexOf.get(c.to);
    if (from !== undefined && to !== undefined && from !== to) edges[from].push(to);
  }
  return stronglyConnectedGroups(edges)
    .filter((group) => group.length > 1)
    .map((group) => ({ start: first(group), group }))
    .sort((a, b) => a.start - b.start)
    .map(({ start, group }) => shortestCycleThrough(start, group, edges).map((i) => ids[i]));
}

/** Tarjan's algorithm with an explicit stack: every strongly connected component of the graph. */
function stronglyConnectedGroups(edges: readonly number[][]): number[][] {
  const n = edges.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const groups: number[][] = [];
  const frames: Array<[node: number, nextEdge: number]> = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    frames.push([root, 0]);
    while (frames.length) {
      const frame = frames[frames.length - 1];
      const v = frame[0];
      const out = edges[v];
      if (frame[1] < out.length) {
        const w = out[frame[1]++];
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          frames.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v], order[w]);
        continue;
      }
      frames.pop();
      if (frames.length) {
        const parent = frames[frames.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === order[v]) {
        const group: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          group.push(w);
        } while (w !== v);
        groups.push(group);
      }
    }
  }
  return groups;
}

/** The member that comes first in the manifest (a loop: spreading a large group into Math.min overflows the stack). */
function first(group: readonly number[]): number {
  let min = group[0];
  for (const i of group) if (i < min) min = i;
  return min;
}

/** Breadth-first search inside `group` from `start` back to itself: the shortest cycle through it. */
function shortestCycleThrough(start: number, group: readonly number[], edges: readonly number[][]): number[] {
  const members = new Set(group);
  const previous = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (const w of edges[v]) {
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at)!) path.push(at);
        path.push(start);
        return path.reverse();
      }
      if (members.has(w) && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start]; // unreachable for a strongly connected group of two or more
}
