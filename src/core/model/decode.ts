// Incremental decoding: encode a prompt once into a KVCache (prefill), then one token per row per step.
// The only host<->backend traffic per step is the small token/mask upload; reading logits is the caller's.
// It does not sample (sampling.ts does).
import { tf } from '../runtime/tf.ts';
import { KVCache } from './kv_cache.ts';
import { attentionBias, checkLength, kvHeads, positionIds, runTransformer } from './model.ts';
import type { Model } from './params.ts';

export interface PrefillOptions {
  /** [B][T] 1 real, 0 padding; padding must be on the left. Built automatically when rows differ in length. */
  attentionMask?: number[][];
  /** Token written into left padding when rows are padded here (default config.pad_token_id ?? 0). */
  padTokenId?: number;
}

/** Rows of different lengths, left-padded to the longest, with their attention mask. */
export function leftPad(rows: number[][], padTokenId: number): { ids: number[][]; mask: number[][] } {
  const T = Math.max(...rows.map((r) => r.length));
  return {
    ids: rows.map((r) => [...new Array<number>(T - r.length).fill(padTokenId), ...r]),
    mask: rows.map((r) => [...new Array<number>(T - r.length).fill(0), ...new Array<number>(r.length).fill(1)]),
  };
}

/** Encodes B prompts; returns the logits of each row's last position ([B, V], caller disposes) and the cache. */
export function prefill(model: Model, ids: number[][], opts: PrefillOptions = {}): { logits: tf.Tensor2D; cache: KVCache } {
  if (ids.length === 0 || ids.some((r) => r.length === 0)) throw new Error('prefill: every row needs at least one token');
  let rows = ids;
  let mask = opts.attentionMask;
  if (!mask) {
    const padded = leftPad(ids, opts.padTokenId ?? model.config.pad_token_id ?? 0);
    rows = padded.ids;
    mask = padded.mask;
  }
  const B = rows.length;
  const T = rows[0].length;
  if (rows.some((r) => r.length !== T) || mask.length !== B || mask.some((m) => m.length !== T)) {
    throw new Error('prefill: ids and attentionMask rows must all have the same length');
  }
  if (mask.some((m) => m[T - 1] !== 1)) throw new Error('prefill: padding must be on the left (last position of each row must be real)');
  checkLength(model.config, T);
  const out = tf.tidy(() => {
    const idsT = tf.tensor2d(rows.flat(), [B, T], 'int32'); // [B, T]
    const maskT = tf.tensor2d(mask.flat(), [B, T], 'float32'); // [B, T]
    const run = runTransformer(model, { ids: idsT, positions: positionIds(maskT), bias: attentionBias(maskT, T, 0), lastOnly: true, frozen: true });
    const logits = tf.reshape(run.logits, [B, model.config.vocab_size]) as tf.Tensor2D; // [B, V]
    return { logits, last: tf.clone(logits), present: run.present };
  });
  const positions = mask.map((m) => m.reduce((a, b) => a + b, 0));
  const cache = new KVCache(out.present, mask.map((m) => m.slice()), positions, out.last);
  return { logits: out.logits, cache };
}

/** Feeds one token per row, appends its keys/values to the cache, returns next-token logits [B, V] (caller disposes). */
export function decodeStep(model: Model, cache: KVCache, tokens: number[]): tf.Tensor2D {
  const B = cache.batch;
  if (tokens.length !== B) throw new Error(`decodeStep: expected ${B} tokens (one per row), got ${tokens.length}`);
  const S = cache.length + 1;
  checkLength(model.config, Math.max(...cache.positions) + 1);
  const biasValues = new Float32Array(B * S);
  for (let b = 0; b < B; b++) {
    const m = cache.keyMask[b];
    for (let s = 0; s < S - 1; s++) if (m[s] === 0) biasValues[b * S + s] = -1e9;
  }
  const out = tf.tidy(() => {
    const ids = tf.tensor2d(tokens, [B, 1], 'int32'); // [B, 1]
    const positions = tf.tensor2d(cache.positions, [B, 1], 'int32'); // [B, 1]
    const bias = tf.tensor4d(biasValues, [B, 1, 1, S]); // [B, 1, 1, S]
    const shared = cache.shared ? { layers: cache.shared, bias: sharedPrefixBias(biasValues, B, S, kvHeads(model.config), cache.shared[0].kT.shape[1]) } : undefined;
    const run = runTransformer(model, { ids, positions, bias, past: cache.layers, shared, frozen: true });
    const logits = tf.reshape(run.logits, [B, model.config.vocab_size]) as tf.Tensor2D; // [B, V]
    return { logits, last: tf.clone(logits), present: run.present };
  });
  cache.replace(out.present, out.last);
  cache.keyMask.forEach((m) => m.push(1));
  cache.positions = cache.positions.map((p) => p + 1);
  return out.logits;
}

/**
 * The decode bias when rows share a prefix: [B, nKv, 1, nKv*P + S], group g of a row sees its own group's
 * P shared keys (columns g*P..(g+1)*P), none of the other groups', then its own keys masked as `ownBias` [B, S].
 */
function sharedPrefixBias(ownBias: Float32Array, B: number, S: number, nKv: number, W: number): tf.Tensor4D {
  const P = W / nKv;
  const width = W + S;
  const values = new Float32Array(B * nKv * width).fill(-1e9);
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < nKv; g++) {
      const row = (b * nKv + g) * width;
      values.fill(0, row + g * P, row + (g + 1) * P);
      values.set(ownBias.subarray(b * S, (b + 1) * S), row + W);
    }
  }
  return tf.tensor4d(values, [B, nKv, 1, width]);
}
