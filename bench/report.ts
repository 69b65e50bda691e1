import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One side-by-side comparison: ours vs a baseline measured in the same run. */
export interface Comparison {
  name: string;
  unit: string;
  ours: number;
  baseline: number;
  /** ours / baseline; below 1 means ours is smaller (faster, for time units). */
  ratio: number;
  /** The ratio we aim for, e.g. `<= 2`; informational, benchmarks never fail on it. */
  target?: string;
  /** Baseline's name, e.g. `node:stream Transform chain`. */
  baselineName?: string;
}

export interface Measurement {
  name: string;
  unit: string;
  value: number;
  note?: string;
}

export function compare(name: string, unit: string, ours: number, baseline: number, extra: { target?: string; baselineName?: string } = {}): Comparison {
  return { name, unit, ours, baseline, ratio: baseline === 0 ? Number.NaN : ours / baseline, ...extra };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Prints a table and writes bench-results/<name>.json. */
export function writeReport(bench: string, comparisons: Comparison[], measurements: Measurement[] = []): void {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3));
  console.log(`\n== ${bench} ==`);
  if (comparisons.length) {
    console.table(
      comparisons.map((c) => ({
        comparison: c.name,
        unit: c.unit,
        ours: fmt(c.ours),
        baseline: `${fmt(c.baseline)}${c.baselineName ? ` (${c.baselineName})` : ''}`,
        ratio: c.ratio.toFixed(3),
        target: c.target ?? '',
      })),
    );
  }
  if (measurements.length) console.table(measurements.map((m) => ({ measurement: m.name, value: fmt(m.value), unit: m.unit, note: m.note ?? '' })));
  const out = join(root, 'bench-results', `${bench}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ name: bench, date: new Date().toISOString(), node: process.version, comparisons, measurements }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

/** Median of repeated timings, in the unit the sampler returns. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

/** Microseconds of each of `n` sequential calls of `op`, after `warmup` untimed ones. */
export async function timeEach(n: number, op: () => Promise<unknown>, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await op();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    times.push((performance.now() - t) * 1000);
  }
  return times;
}
