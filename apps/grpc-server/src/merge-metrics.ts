/**
 * Merges the Prometheus text of several worker processes into one valid exposition: each metric
 * family's HELP/TYPE once, every sample labelled `worker="<id>"` (so sums and rates across
 * workers are one `sum by` away, and per-process metrics stay per process).
 */
export function mergeWorkerMetrics(texts: readonly { worker: string; text: string }[]): string {
  const families = new Map<string, { header: string[]; samples: string[] }>();
  const familyOf = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { header: [], samples: [] }));
    return f;
  };
  for (const { worker, text } of texts) {
    let current = '';
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        current = meta[2]!;
        const f = familyOf(current);
        if (!f.header.some((h) => h.startsWith(`# ${meta[1]} `))) f.header.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = /^[^{\s]+/.exec(line)![0];
      // Histogram/summary samples (_bucket, _sum, _count) belong to the family declared above them.
      const family = current && name.startsWith(current) ? current : name;
      const label = `worker="${worker}"`;
      familyOf(family).samples.push(line.includes('{') ? line.replace('{', `{${label},`) : line.replace(name, `${name}{${label}}`));
    }
  }
  return `${[...families.values()].map((f) => [...f.header, ...f.samples].join('\n')).join('\n')}\n`;
}
