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

/** forkCacheAt over cuts of different caches (same model); rows in cut order. */
export function forkCachesAt(cuts: readonly SourcedCut[]): KVCache {
  if (cuts.length === 0) throw new Error('forkCacheAt: no cuts');
  for (const c of cuts) {
    if (!Number.isInteger(c.length) || c.length < 1 || c.length > c.cache.length) throw new Error(`forkCacheAt: cut length ${c.length} outside [1, ${c.cache.length}]`);
  }
  const longest = Math.max(...cuts.map((c) => c.length));
  const V = cuts[0].logp.length;
  const layers = cuts[0].cache.layers.map((_, layer) =>
    tf.tidy(() => {
      // splitAxis, not tf.slice: wasm's Slice copies the whole source out of the heap for every cut.
      const cut = (pick: (c: SourcedCut) => tf.Tensor4D): tf.Tensor4D =>
        concatAxis(cuts.map((c) => {
          const src = pick(c); // [B, nKv, S, D]
          const [B, , S] = src.shape;
          const row = B === 1 ? src : splitAxis(src, new Array<number>(B).fill(1), 0)[c.row]; // [1, nKv, S, D]
          const kept = c.length === S ? row : splitAxis(row, [c.length, S - c.length], 2)[0]; // [1, nKv, len, D]
          return tf.pad(kept, [[0, 0], [0, 0], [longest - c.length, 0], [0, 0]]); // [1, nKv, longest, D]
        }), 0) as tf.Tensor4D; // [N, nKv, longest, D]
      return { k: cut((c) => c.cache.layers[layer].k), v: cut((c) => c.cache.layers[layer].v) };
    }),
  );
  const logpFlat = new Float32Array(cuts.length * V);
  cuts.forEach((c, i) => logpFlat.set(c.logp, i * V));
  const keyMask = cuts.map((c) => [...new Array<number>(longest - c.length).fill(0), ...c.cache.keyMask[c.row].slice(0, c.length)]);
  const positions = cuts.map((c) => c.cache.positions[c.row] - (c.cache.length - c.length));
  return new KVCache(layers, keyMask, positions, tf.tensor2d(logpFlat, [cuts.length, V])); // lastLogits [N, V]
}
