// Test stand-in for a language model: per-token embedding -> tanh MLP -> logits, no attention.
// Small and fast enough for many optimizer steps in a test; the real transformer is tested in sft.test.ts.
import { tf } from '../../../src/core/runtime/tf.ts';
import { createRng } from '../../../src/core/rng.ts';
import type { TrainablePolicy } from '../../../src/core/train/sft.ts';
import { targetLogProbs } from '../../../src/core/train/sft_loss.ts';

export function tinyPolicy(V: number, C: number, seed: number): TrainablePolicy & { dispose(): void } {
  const rng = createRng(seed);
  const init = (shape: number[], scale: number): tf.Variable => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
    return tf.variable(tf.tensor(data, shape, 'float32'), true);
  };
  const params = { 'embed.weight': init([V, C], 0.5), 'mlp.weight': init([C, C], 0.5), 'mlp.bias': init([C], 0.1), 'head.weight': init([C, V], 0.5) };
  return {
    params,
    tokenLogProbs: (inputIds, targetIds) => tf.tidy(() => {
      const [B, T] = inputIds.shape;
      const x = tf.gather(params['embed.weight'], tf.reshape(inputIds, [B * T])); // [B*T, C]
      const h = tf.tanh(tf.add(tf.matMul(x, params['mlp.weight']), params['mlp.bias'])); // [B*T, C]
      const logits = tf.reshape(tf.matMul(h, params['head.weight']), [B, T, V]); // [B, T, V]
      return targetLogProbs(logits as tf.Tensor3D, targetIds);
    }),
    dispose: () => tf.dispose(Object.values(params)),
  };
}

/** Snapshot of parameter values, for before/after comparisons. */
export function paramValues(params: Record<string, tf.Variable>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.from(v.dataSync())]));
}
