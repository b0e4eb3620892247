// Clocks and small statistics for the benchmark: median of repeated runs, rates, rounding for the report.
// It measures wall time around awaited work; it does not warm up or pick sizes (the sections do).

export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Median of `reps` timings after `warmup` untimed runs. */
export async function medianMs(fn: () => Promise<unknown> | unknown, reps: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await timeMs(fn));
  return median(times);
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to `digits` significant digits, so the JSON stays readable. */
export function sig(x: number, digits = 4): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}
