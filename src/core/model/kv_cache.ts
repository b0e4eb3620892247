// Per-layer keys and values of the positions already encoded, plus the bookkeeping decoding needs
// (which cached positions are padding, each row's next position id, the latest logits).
// It owns its tensors; it does not run the model (decode.ts does).
import { tf } from '../runtime/tf.ts';
import type { LayerKV } from './model.ts';
import { concatAxis, splitAxis } from './split_concat.ts';

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
    const picked = tf.tidy(() => ({
      layers: this.layers.map((l) => ({ k: takeRows(l.k, rows), v: takeRows(l.v, rows) })), // [R, nKv, S, D]
      last: this.lastLogits ? takeRows(this.lastLogits, rows) : undefined, // [R, V]
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

/**
 * Rows of `x` along axis 0, in order, repeats allowed: one split into rows and one concat, both plain
 * copies (tf.gather on wasm walks every element: ~12 ms per select of a 270-position cache at batch 8).
 */
function takeRows<T extends tf.Tensor>(x: T, rows: number[]): T {
  const parts = splitAxis(x, new Array<number>(x.shape[0]).fill(1), 0); // B x [1, ...]
  return concatAxis(rows.map((r) => parts[r]), 0) as T;
}
