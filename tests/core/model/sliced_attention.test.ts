// The wasm per-head attention path against plain batched tfjs ops (values and gradients), with padding
// masked in the bias, and the same full-model logits on wasm (sliced) as on cpu (batched).
import { beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../../src/core/model/model.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { attendGroups } from '../../../src/core/model/sliced_attention.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { ids2d, randomIds, tinyModel, useBackend } from './helpers.ts';

/** softmax(q K^T + bias) V with the heads of a group on one axis, in ordinary batched ops. */
function reference(q: tf.Tensor4D, K: tf.Tensor4D, V: tf.Tensor4D, bias: tf.Tensor4D, rep: number): tf.Tensor4D {
  const [B, nKv, RT, D] = q.shape;
  const S = K.shape[2];
  const q5 = tf.reshape(q, [B, nKv, rep, RT / rep, D]); // [B, nKv, rep, T, D]
  const k5 = tf.tile(tf.reshape(K, [B * nKv, 1, S, D]), [1, rep, 1, 1]); // [B*nKv, rep, S, D]
  const v5 = tf.tile(tf.reshape(V, [B * nKv, 1, S, D]), [1, rep, 1, 1]); // [B*nKv, rep, S, D]
  const flat = (t: tf.Tensor, n: number): tf.Tensor3D => tf.reshape(t, [B * nKv * rep, n, D]);
  const scores = tf.add(tf.reshape(tf.matMul(flat(q5, RT / rep), flat(k5, S), false, true), [B, nKv, rep, RT / rep, S]), tf.expandDims(bias, 1));
  const y = tf.matMul(tf.reshape(tf.softmax(scores), [B * nKv * rep, RT / rep, S]), flat(v5, S)); // [B*nKv*rep, T, D]
  return tf.reshape(y, [B, nKv, RT, D]);
}

describe('attendGroups on wasm (per-head 2D products)', () => {
  beforeAll(() => useBackend('wasm'));

  it('equals batched attention in value and gradient, padding masked', () => {
    const [B, nKv, rep, T, D] = [2, 2, 2, 24, 32]; // rep*T*S*D = 36864: above the slicing threshold
    const q = tf.randomNormal([B, nKv, rep * T, D], 0, 1, 'float32', 1) as tf.Tensor4D;
    const K = tf.randomNormal([B, nKv, T, D], 0, 1, 'float32', 2) as tf.Tensor4D;
    const V = tf.randomNormal([B, nKv, T, D], 0, 1, 'float32', 3) as tf.Tensor4D;
    const causal = Array.from({ length: B * T * T }, (_, i) => {
      const [b, t, s] = [Math.floor(i / (T * T)), Math.floor(i / T) % T, i % T];
      return s > t || (b === 1 && s < 5) ? -1e9 : 0; // causal, and row 1 has 5 left-padding keys
    });
    const bias = tf.tensor4d(causal, [B, 1, T, T]);
    const w = tf.randomNormal([B, nKv, rep * T, D], 0, 1, 'float32', 4); // a loss weighting every output
    const loss = (f: typeof reference) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, bias, rep), w));
    const got = attendGroups(q, K, V, bias, rep);
    const want = reference(q, K, V, bias, rep);
    expect(got.shape).toEqual([B, nKv, rep * T, D]);
    expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-5);
    const gGot = tf.grads(loss(attendGroups))([q, K, V]);
    const gWant = tf.grads(loss(reference))([q, K, V]);
    gGot.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(g, gWant[i]))).dataSync()[0]).toBeLessThan(1e-4));
    expect(tf.max(tf.abs(gGot[0])).dataSync()[0]).toBeGreaterThan(1e-3); // the gradient is not trivially zero
    tf.dispose([q, K, V, bias, w, got, want, ...gGot, ...gWant]);
  });

  it('a long sequence gives the same logits on wasm (sliced) as on cpu (batched)', async () => {
    const rows = randomIds(3, 2, 40, 64);
    const mask = [new Array(40).fill(1), [...new Array(7).fill(0), ...new Array(33).fill(1)]];
    const logits = async (backend: 'wasm' | 'cpu'): Promise<Float32Array> => {
      await useBackend(backend);
      const m = tinyModel('tiny', 5, { hidden_size: 64, num_attention_heads: 2, num_key_value_heads: 1 }); // D = 32
      const out = forward(m, ids2d(rows), { attentionMask: tf.tensor2d(mask) });
      const values = (await out.data()) as Float32Array;
      out.dispose();
      disposeModel(m);
      return values;
    };
    const cpu = await logits('cpu');
    const wasm = await logits('wasm');
    let maxDiff = 0;
    cpu.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - wasm[i])); });
    expect(maxDiff).toBeLessThan(1e-3);
  });
});
