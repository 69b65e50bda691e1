#!/usr/bin/env node
// Prints bench-results/*.json as one markdown table (pasted into the README's Benchmarks section).
import { readFileSync, readdirSync } from 'node:fs';

const dir = new URL('../bench-results/', import.meta.url);
const fmt = (n) =>
  typeof n !== 'number' || Number.isNaN(n) ? String(n) : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
const rows = ['| bench | comparison | ours | baseline | ratio | target |', '|---|---|---|---|---|---|'];
const extra = ['', '| bench | measurement | value |', '|---|---|---|'];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const r = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  for (const c of r.comparisons ?? [])
    rows.push(
      `| ${r.name} | ${c.name} | ${fmt(c.ours)} ${c.unit} | ${fmt(c.baseline)} ${c.unit}${c.baselineName ? ` (${c.baselineName})` : ''} | **${fmt(c.ratio)}x** | ${c.target ?? ''} |`,
    );
  for (const m of r.measurements ?? []) extra.push(`| ${r.name} | ${m.name} | ${fmt(m.value)} ${m.unit}${m.note ? ` (${m.note})` : ''} |`);
}
console.log([...rows, ...extra].join('\n'));
