// Per-layer keys and values of the positions already encoded, plus the bookkeeping decoding needs
// (which cached positions are padding, each row's next position id, the latest logits).
// It owns its tensors; it does not run the model (decode.ts does).
import { tf } from '../runtime/tf.ts';
import type { LayerKV } from './model.ts';

export class KVCache {
  /** Per layer [B, nKv, S, D] keys and values (kv heads not repeated). */
  layers: LayerKV[];
  /** [B][S] 1 for a real cached position, 0 for left padding. */
  keyMask: number[][];
  /** [B] position id the next token of each row gets. */
  positions: number[];
  /** [B, V] logits at the last cached position (what the next token is sampled from), or null. */
  lastLogits: tf.Tensor2D | null;

  constructor(layers: LayerKV[], keyMask: number[][], positions: number[], lastLogits: tf.Tensor2D | null) {
    this.layers = layers;
    this.keyMask = keyMask;
    this.positions = positions;
    this.lastLogits = lastLogits;
  }

  /** Rows B. */
  get batch(): number {
    return this.positions.length;
  }

  /** Cached positions S, padding included. */
  get length(): number {
    return this.layers.length ? this.layers[0].k.shape[2] : 0;
  }

  /**
   * A new cache holding rows `rows` of this one, in that order, repeats allowed
   * (select([r, r, r]) forks one prefix into three branches without re-encoding it). This cache is unchanged.
   */
  select(rows: number[]): KVCache {
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= this.batch) throw new Error(`KVCache.select: row ${r} out of range [0, ${this.batch})`);
    }
    const runs = consecutiveRuns(rows);
    const picked = tf.tidy(() => ({
      layers: this.layers.map((l) => ({ k: takeRows(l.k, runs), v: takeRows(l.v, runs) })), // [R, nKv, S, D]
      last: this.lastLogits ? takeRows(this.lastLogits, runs) : undefined, // [R, V]
    }));
    return new KVCache(picked.layers, rows.map((r) => this.keyMask[r].slice()), rows.map((r) => this.positions[r]), picked.last ?? null);
  }

  /** Replaces the tensors (after a decode step), disposing the old ones. */
  replace(layers: LayerKV[], lastLogits: tf.Tensor2D): void {
    this.disposeTensors();
    this.layers = layers;
    this.lastLogits = lastLogits;
  }

  dispose(): void {
    this.disposeTensors();
    this.layers = [];
    this.lastLogits = null;
  }

  private disposeTensors(): void {
    for (const l of this.layers) {
      l.k.dispose();
      l.v.dispose();
    }
    this.lastLogits?.dispose();
  }
}

/** [start, count] runs of consecutive rows: [0, 1, 2, 5, 5] -> [[0, 3], [5, 1], [5, 1]]. */
function consecutiveRuns(rows: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const r of rows) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === r) last[1]++;
    else runs.push([r, 1]);
  }
  return runs;
}

/**
 * Rows of `x` along axis 0 as contiguous slices joined by one concat: both are plain memory copies on
 * every backend, where tf.gather on wasm walks every element (~12 ms per select of a 270-position cache at batch 8).
 */
function takeRows<T extends tf.Tensor>(x: T, runs: [number, number][]): T {
  const begin = x.shape.map(() => 0);
  const parts = runs.map(([start, count]) => tf.slice(x, [start, ...begin.slice(1)], [count, ...x.shape.slice(1)]));
  return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as T;
}
