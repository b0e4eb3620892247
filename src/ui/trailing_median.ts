// A curve's trailing median: each point replaced by the median of itself and the points before it in a window.
// The DPO guard (dpo_guard.ts) judges KL this way and the classroom charts it so: a k3 estimate can read thousands
// at one step (an anchor-only run's both-sides KL: 14,500 once, about 0.1 otherwise), and one such step would
// raise a false alarm, or set a chart's scale and flatten every line into 0.
import type { MetricPoint } from '../protocol.ts';

/** The points with `key` replaced by the median of the last `window` values (lower middle for even counts); points without it are left out. */
export function trailingMedian(points: MetricPoint[], key: string, window: number): MetricPoint[] {
  const have = points.filter((p) => Number.isFinite(p[key]));
  return have.map((p, i) => {
    const w = have.slice(Math.max(0, i - window + 1), i + 1).map((q) => q[key]).sort((a, b) => a - b);
    return { ...p, [key]: w[(w.length - 1) >> 1] };
  });
}

/**
 * Every point, with each of `keys` replaced by its own trailing median (as trailingMedian reads it) where the point
 * has it: one chart of several smoothed series (the DPO panel's KL: both sides and the chosen side).
 */
export function trailingMedians(points: MetricPoint[], keys: readonly string[], window: number): MetricPoint[] {
  const out = points.map((p) => ({ ...p }));
  for (const key of keys) {
    const idx = points.flatMap((p, i) => (Number.isFinite(p[key]) ? [i] : []));
    trailingMedian(idx.map((i) => points[i]), key, window).forEach((m, j) => (out[idx[j]][key] = m[key]));
  }
  return out;
}
