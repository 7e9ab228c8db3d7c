/** Shared by the benchmarks: time one async step, and summarize a series of timings on one line. */
export async function timed(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function summary(label: string, ms: number[], labelWidth = 34): string {
  const s = [...ms].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)];
  return `${label.padEnd(labelWidth)} min ${s[0].toFixed(1).padStart(7)} ms  median ${med.toFixed(1).padStart(7)} ms  ` +
    `max ${s[s.length - 1].toFixed(1).padStart(7)} ms  (n=${s.length})`;
}
