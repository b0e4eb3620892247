// 95% intervals for the classroom's headline: Wilson's interval for one error rate, and a paired interval for
// the change between two models scored on the same turns (normal approximation on per-turn differences).
// Plain numbers in and out; the view decides how to word them.

const Z95 = 1.959964;

/** Wilson score interval of a proportion `errors / n` (95%). */
export function wilsonInterval(errors: number, n: number): [number, number] {
  if (n <= 0) return [0, 1];
  const p = errors / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Change of the error rate from `before` to `after` on the same turns (true = exact), with a 95% interval
 * from the per-turn differences. Only turns that changed carry information; with none, the interval is [0, 0].
 */
export function pairedChange(before: boolean[], after: boolean[]): { change: number; low: number; high: number; fixed: number; broken: number; n: number } {
  if (before.length !== after.length) throw new Error(`pairedChange: ${before.length} turns before, ${after.length} after`);
  const n = before.length;
  let fixed = 0;
  let broken = 0;
  for (let i = 0; i < n; i++) {
    if (!before[i] && after[i]) fixed++;
    if (before[i] && !after[i]) broken++;
  }
  if (!n) return { change: 0, low: 0, high: 0, fixed, broken, n };
  // d_i = error_after - error_before in {-1, 0, 1}; mean and its standard error.
  const mean = (broken - fixed) / n;
  const variance = ((broken + fixed) / n - mean * mean) * (n / Math.max(1, n - 1));
  const half = Z95 * Math.sqrt(Math.max(0, variance) / n);
  return { change: mean, low: mean - half, high: mean + half, fixed, broken, n };
}
