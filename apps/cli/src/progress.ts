/** A one-line progress bar on stderr, only when stderr is a terminal. */
export function createProgress(total: number, label: string): { update(done: number): void; finish(): void } {
  const tty = process.stderr.isTTY;
  let last = -1;
  return {
    update(done) {
      if (!tty) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
    },
    finish() {
      if (tty && last >= 0) process.stderr.write('\n');
    },
  };
}
