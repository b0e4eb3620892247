// Shared test setup for the model engine: both Node backends, tiny seeded models.
// Not a test file itself; every *.test.ts here imports it first.
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../../src/core/runtime/tf.ts';
import { resolveModelConfig, type ModelConfig } from '../../../src/core/model/config.ts';
import { forward } from '../../../src/core/model/model.ts';
import { createModel, type Model } from '../../../src/core/model/params.ts';
import { createRng } from '../../../src/core/rng.ts';

export const FAMILIES = ['tiny', 'tiny-qwen2', 'tiny-gpt2'] as const;

export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
  await tf.ready();
}

export function tinyModel(preset: string, seed = 1, overrides: Partial<ModelConfig> = {}): Model {
  const m = createModel(resolveModelConfig(preset, overrides), seed);
  // Random (not 1/0) norm gains and biases, so a wrong layout or a skipped bias changes the logits.
  const rng = createRng(seed + 1000);
  for (const [name, v] of Object.entries(m.params)) {
    // Weights x10 (std 0.2) so attention is far from uniform and every convention shows in the logits.
    if (v.shape.length !== 1) {
      v.assign(tf.tidy(() => tf.mul(v, 10)));
      continue;
    }
    const base = name.endsWith('.bias') ? 0 : 1;
    const values = Float32Array.from({ length: v.size }, () => base + (rng.next() - 0.5) * 0.4);
    v.assign(tf.tensor(values, v.shape));
  }
  return m;
}

export function randomIds(seed: number, B: number, T: number, V: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(V)));
}

export function ids2d(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows.flat(), [rows.length, rows[0].length], 'int32');
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Full-forward logits of each row's last position (the reference a cached decode must match). */
export function lastLogits(model: Model, rows: number[][]): Float32Array[] {
  return rows.map((r) => tf.tidy(() => {
    const out = forward(model, ids2d([r])); // [1, T, V]
    return tf.slice(out, [0, r.length - 1, 0], [1, 1, -1]).dataSync() as Float32Array;
  }));
}

/** The rows of a [B, V] tensor as arrays; disposes the tensor. */
export function rowsOf(t: tf.Tensor2D): Float32Array[] {
  const V = t.shape[1];
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return Array.from({ length: t.shape[0] }, (_, b) => data.slice(b * V, (b + 1) * V));
}

export { tf };
