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
    const picked = tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      return {
        layers: this.layers.map((l) => ({ k: tf.gather(l.k, idx) as tf.Tensor4D, v: tf.gather(l.v, idx) as tf.Tensor4D })), // [R, nKv, S, D]
        last: this.lastLogits ? (tf.gather(this.lastLogits, idx) as tf.Tensor2D) : undefined, // [R, V]
      };
    });
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
