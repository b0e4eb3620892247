// Scaled dot-product attention of grouped heads, with a wasm path that keeps every product 2D (XNNPACK's
// only fast path, see matmul.ts) and takes each head's softmax on its own [rep*T, S] block, so the big
// [B, nH, T, S] scores are never stacked and re-split: on wasm those copies cost more than the products.
import { tf } from '../runtime/tf.ts';
import { headMatMul, matMul2d, SLICE_MIN_MACS } from './matmul.ts';
import { concatAxis, splitAxis, stackRows, unstackRows } from './split_concat.ts';

/**
 * softmax(q·K^T + bias)·V for each kv group: q [B, nKv, rep*T, D] (already scaled by 1/sqrt(D)), K and V
 * [B, nKv, S, D], bias [B, 1, T, S] shared by the heads of a row. Returns [B, nKv, rep*T, D].
 */
export function attendGroups(q: tf.Tensor, K: tf.Tensor, V: tf.Tensor, bias: tf.Tensor4D, rep: number): tf.Tensor4D {
  const [B, nKv, RT, D] = q.shape as [number, number, number, number];
  const S = K.shape[2] as number;
  if (tf.getBackend() === 'wasm' && RT * S * D >= SLICE_MIN_MACS) return slicedAttention(q, K, V, bias, rep);
  const scores = tf.add(tf.reshape(headMatMul(q, K, true), [B, nKv * rep, RT / rep, S]), bias); // [B, nH, T, S]
  const att = tf.reshape(tf.softmax(scores), [B, nKv, RT, S]); // [B, nKv, rep*T, S]
  return headMatMul(att, V, false); // [B, nKv, rep*T, D]
}

function slicedAttention(q: tf.Tensor, K: tf.Tensor, V: tf.Tensor, bias: tf.Tensor4D, rep: number): tf.Tensor4D {
  const [B, nKv, RT, D] = q.shape as [number, number, number, number];
  const S = K.shape[2] as number;
  const T = RT / rep;
  const qs = unstackRows(tf.reshape(q, [B * nKv, RT, D])); // B*nKv x [rep*T, D]
  const kts = unstackRows(tf.reshape(tf.transpose(K, [0, 1, 3, 2]), [B * nKv, D, S])); // B*nKv x [D, S]
  const vs = unstackRows(tf.reshape(V, [B * nKv, S, D])); // B*nKv x [S, D]
  const biases = unstackRows(tf.reshape(bias, [B, T, S])); // B x [T, S]
  const ys = qs.map((qi, i) => {
    const scores = tf.add(tf.reshape(matMul2d(qi, kts[i]), [rep, T, S]), biases[Math.floor(i / nKv)]); // [rep, T, S]
    const att = tf.reshape(tf.softmax(scores), [RT, S]); // [rep*T, S]
    return matMul2d(att, vs[i]); // [rep*T, D]
  });
  return tf.reshape(stackRows(ys), [B, nKv, RT, D]); // [B, nKv, rep*T, D]
}

/**
 * Decode-step attention (one query per row) of rows that share a prefix: softmax(q·[prefix; own]^T + bias)
 * ·[prefix; own]. The prefix part is one 2D product for all rows and groups against the shared keys of every
 * group (XNNPACK's fast path on wasm, weights packed once), the other groups' columns masked by `bias`
 * (exact zeros after the softmax); only the rows' own keys go through the batched product. Cascade
 * attention (Juravsky et al. 2024, "Hydragen"). q [B, nKv, rep, D] unscaled, K and V [B, nKv, S, D],
 * shared kT [D, nKv*P] and v [nKv*P, D], bias [B, nKv, 1, nKv*P + S]. Returns [B, nKv, rep, D].
 */
export function attendSharedPrefix(q: tf.Tensor, K: tf.Tensor, V: tf.Tensor, shared: { kT: tf.Tensor2D; v: tf.Tensor2D }, bias: tf.Tensor4D): tf.Tensor4D {
  const [B, nKv, rep, D] = q.shape as [number, number, number, number];
  const S = K.shape[2] as number;
  const W = shared.kT.shape[1];
  const qs = tf.mul(q, 1 / Math.sqrt(D)); // [B, nKv, rep, D]
  const prefix = tf.reshape(tf.matMul(tf.reshape(qs, [B * nKv * rep, D]) as tf.Tensor2D, shared.kT), [B, nKv, rep, W]); // [B, nKv, rep, nKv*P]
  const own = tf.matMul(qs, K, false, true); // [B, nKv, rep, S]
  const att = tf.softmax(tf.add(concatAxis([prefix, own], 3), bias)); // [B, nKv, rep, nKv*P + S]
  const [attPrefix, attOwn] = splitAxis(att, [W, S], 3);
  const yPrefix = tf.matMul(tf.reshape(attPrefix, [B * nKv * rep, W]) as tf.Tensor2D, shared.v); // [B*nKv*rep, D]
  return tf.add(tf.reshape(yPrefix, [B, nKv, rep, D]), tf.matMul(attOwn, V)) as tf.Tensor4D; // [B, nKv, rep, D]
}
