/** Shared by the benchmarks: time one async step, and summarize a series of timings. */
export async function timed(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Smallest, median and largest of a non-empty series. */
export function spread(ms: readonly number[]): { min: number; median: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

/** One line: label, min, median and max in ms with `digits` decimals, and the count. */
export function summary(label: string, ms: number[], labelWidth = 34, digits = 1): string {
  const { min, median, max } = spread(ms);
  const width = digits > 0 ? 6 + digits : 5;
  const f = (v: number) => v.toFixed(digits).padStart(width);
  return `${label.padEnd(labelWidth)} min ${f(min)} ms  median ${f(median)} ms  max ${f(max)} ms  (n=${ms.length})`;
}
