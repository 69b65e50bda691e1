import type { LoadBalanceStrategy } from './remote-params.js';

/** What a balancer needs to know of an endpoint. */
export interface Balanceable {
  /** In-flight unary calls plus open streaming sessions. */
  readonly active: number;
}

/** Picks one of `candidates` (a subset of `all`, in pool order); undefined when there are none. */
export interface LoadBalancer<E extends Balanceable> {
  pick(candidates: readonly E[], all: readonly E[]): E | undefined;
}

/**
 * round_robin: the next candidate after the last pick, in pool order.
 * least_connections: the fewest active calls; ties go round-robin, so an idle pool still spreads.
 * random: uniform.
 */
export function createLoadBalancer<E extends Balanceable>(strategy: LoadBalanceStrategy): LoadBalancer<E> {
  let cursor = -1;
  // Candidates in pool order starting after the cursor, so ties and skips keep rotating.
  const rotated = (candidates: readonly E[], all: readonly E[]): E[] => {
    const n = all.length;
    const order: E[] = [];
    for (let step = 1; step <= n; step++) {
      const e = all[(cursor + step) % n];
      if (candidates.includes(e)) order.push(e);
    }
    return order;
  };
  const advanceTo = (chosen: E, all: readonly E[]) => {
    cursor = all.indexOf(chosen);
    return chosen;
  };
  switch (strategy) {
    case 'random':
      return { pick: (c) => (c.length ? c[Math.floor(Math.random() * c.length)] : undefined) };
    case 'least_connections':
      return {
        pick(candidates, all) {
          let best: E | undefined;
          for (const e of rotated(candidates, all)) if (best === undefined || e.active < best.active) best = e;
          return best && advanceTo(best, all);
        },
      };
    case 'round_robin':
      return {
        pick(candidates, all) {
          if (candidates.length === all.length && all.length) return all[(cursor = (cursor + 1) % all.length)]; // hot path: all usable
          const next = rotated(candidates, all)[0];
          return next && advanceTo(next, all);
        },
      };
  }
}
