// Forks decoded rows of KV caches (one or several prompts) into branch rows cut at different prefix
// lengths, left-padded into one batch, so branches continue in a single batched decode without re-encoding.
// A thin helper over the model's public KVCache (its constructor and fields); it does not decode.
import { KVCache } from '../model/kv_cache.ts';
import { concatAxis, splitAxis } from '../model/split_concat.ts';
import { tf } from '../runtime/tf.ts';

/** One branch row: keep the first `length` cached positions, and score its next token from `logp`. */
export interface CacheCut {
  length: number;
  /** [V] log-probabilities (or logits) of the token after the kept prefix. */
  logp: Float32Array;
}

/**
 * A new cache with one row per cut: row `row` of `cache` truncated to `cut.length` positions, left-padded
 * (masked keys) to the longest cut. Keys were rotated at their own positions when cached, so padding
 * on the left changes no attention score; each row's next position id continues its own prefix.
 * `cache` is unchanged; the caller owns the result.
 */
export function forkCacheAt(cache: KVCache, row: number, cuts: readonly CacheCut[]): KVCache {
  return forkCachesAt(cuts.map((c) => ({ ...c, cache, row })));
}

/** A cut of a row of any cache: branches of several prompts can share one batch. */
export interface SourcedCut extends CacheCut {
  cache: KVCache;
  row: number;
}

/**
 * forkCacheAt over cuts of different caches (same model); rows in cut order. When every cut is of the
 * same row (branches of one trajectory), the first P positions all of them keep (P = shortest cut - 1, all
 * real) become the new cache's shared prefix, stored once instead of once per row.
 */
export function forkCachesAt(cuts: readonly SourcedCut[]): KVCache {
  if (cuts.length === 0) throw new Error('forkCacheAt: no cuts');
  for (const c of cuts) {
    if (c.cache.shared) throw new Error('forkCacheAt: cannot fork a cache that has a shared prefix');
    if (!Number.isInteger(c.length) || c.length < 1 || c.length > c.cache.length) throw new Error(`forkCacheAt: cut length ${c.length} outside [1, ${c.cache.length}]`);
  }
  const P = sharedPrefixLength(cuts);
  const longest = Math.max(...cuts.map((c) => c.length)) - P;
  const V = cuts[0].logp.length;
  const layers = cuts[0].cache.layers.map((_, layer) =>
    tf.tidy(() => {
      // splitAxis, not tf.slice: wasm's Slice copies the whole source out of the heap for every cut.
      const cut = (pick: (c: SourcedCut) => tf.Tensor4D): tf.Tensor4D =>
        concatAxis(cuts.map((c) => {
          const kept = positionsOf(rowOf(pick(c), c.row), P, c.length); // [1, nKv, len - P, D]
          return tf.pad(kept, [[0, 0], [0, 0], [longest - (c.length - P), 0], [0, 0]]); // [1, nKv, longest, D]
        }), 0) as tf.Tensor4D; // [N, nKv, longest, D]
      return { k: cut((c) => c.cache.layers[layer].k), v: cut((c) => c.cache.layers[layer].v) };
    }),
  );
  const shared = P === 0 ? null : cuts[0].cache.layers.map((l) =>
    tf.tidy(() => {
      const [, nKv, , D] = l.k.shape;
      const k = positionsOf(rowOf(l.k, cuts[0].row), 0, P); // [1, nKv, P, D]
      const v = positionsOf(rowOf(l.v, cuts[0].row), 0, P); // [1, nKv, P, D]
      return {
        kT: tf.reshape(tf.transpose(tf.reshape(k, [nKv, P, D]), [2, 0, 1]), [D, nKv * P]) as tf.Tensor2D, // [D, nKv*P]
        v: tf.reshape(v, [nKv * P, D]) as tf.Tensor2D, // [nKv*P, D]
      };
    }),
  );
  const logpFlat = new Float32Array(cuts.length * V);
  cuts.forEach((c, i) => logpFlat.set(c.logp, i * V));
  const keyMask = cuts.map((c) => [...new Array<number>(longest - (c.length - P)).fill(0), ...c.cache.keyMask[c.row].slice(P, c.length)]);
  const positions = cuts.map((c) => c.cache.positions[c.row] - (c.cache.length - c.length));
  return new KVCache(layers, keyMask, positions, tf.tensor2d(logpFlat, [cuts.length, V]), shared); // lastLogits [N, V]
}

/** Positions every cut keeps, all real: 0 unless the cuts are several of one row. */
function sharedPrefixLength(cuts: readonly SourcedCut[]): number {
  const { cache, row } = cuts[0];
  if (cuts.length < 2 || cuts.some((c) => c.cache !== cache || c.row !== row)) return 0;
  const P = Math.min(...cuts.map((c) => c.length)) - 1; // every row keeps at least one own position
  return cache.keyMask[row].slice(0, P).every((m) => m === 1) ? P : 0;
}

/** Row `row` of [B, nKv, S, D]: [1, nKv, S, D]. */
function rowOf(x: tf.Tensor4D, row: number): tf.Tensor4D {
  return x.shape[0] === 1 ? x : (splitAxis(x, new Array<number>(x.shape[0]).fill(1), 0)[row] as tf.Tensor4D);
}

/** Positions [from, to) of [1, nKv, S, D]. */
function positionsOf(x: tf.Tensor4D, from: number, to: number): tf.Tensor4D {
  const S = x.shape[2];
  if (from === 0 && to === S) return x;
  const sizes = [from, to - from, S - to];
  return splitAxis(x, sizes.filter((n) => n > 0), 2)[from > 0 ? 1 : 0] as tf.Tensor4D;
}
