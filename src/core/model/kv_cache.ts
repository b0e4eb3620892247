// Per-layer keys and values of the positions already encoded, plus the bookkeeping decoding needs
// (which cached positions are padding, each row's next position id, the latest logits), and optionally a
// prefix all rows share (forked branches), stored once and attended with one 2D product per layer.
// It owns its tensors; it does not run the model (decode.ts does).
import { tf } from '../runtime/tf.ts';
import type { LayerKV, SharedKV } from './model.ts';
import { concatAxis, splitAxis } from './split_concat.ts';

export class KVCache {
  /** Per layer [B, nKv, S, D] keys and values (kv heads not repeated), after the shared prefix if there is one. */
  layers: LayerKV[];
  /** [B][S] 1 for a real cached position, 0 for left padding (positions of `layers`). */
  keyMask: number[][];
  /** [B] position id the next token of each row gets. */
  positions: number[];
  /** [B, V] logits at the last cached position (what the next token is sampled from), or null. */
  lastLogits: tf.Tensor2D | null;
  /** The prefix held with the caches select() made from this one (shared, not copied: XNNPACK keeps its packed copy). */
  private hold: { layers: SharedKV[]; holders: number } | null;

  constructor(layers: LayerKV[], keyMask: number[][], positions: number[], lastLogits: tf.Tensor2D | null, shared: SharedKV[] | null = null) {
    this.layers = layers;
    this.hold = shared ? { layers: shared, holders: 1 } : null;
    this.keyMask = keyMask;
    this.positions = positions;
    this.lastLogits = lastLogits;
  }

  /** Per layer, the P positions before `layers` that every row shares (all real), or null. */
  get shared(): SharedKV[] | null {
    return this.hold?.layers ?? null;
  }

  /** Rows B. */
  get batch(): number {
    return this.positions.length;
  }

  /** Cached positions S of `layers`, padding included (the shared prefix not counted). */
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
    const out = new KVCache(picked.layers, rows.map((r) => this.keyMask[r].slice()), rows.map((r) => this.positions[r]), picked.last ?? null);
    if (this.hold) {
      this.hold.holders++;
      out.hold = this.hold;
    }
    return out;
  }

  /** Replaces the tensors (after a decode step), disposing the old ones. */
  replace(layers: LayerKV[], lastLogits: tf.Tensor2D): void {
    this.disposeTensors();
    this.layers = layers;
    this.lastLogits = lastLogits;
  }

  dispose(): void {
    this.disposeTensors();
    if (this.hold && --this.hold.holders === 0) {
      for (const l of this.hold.layers) {
        l.kT.dispose();
        l.v.dispose();
      }
    }
    this.layers = [];
    this.hold = null;
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
