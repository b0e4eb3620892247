import { beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../../src/core/model/model.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { referenceLogits } from './reference.ts';
import { FAMILIES, ids2d, maxAbsDiff, randomIds, tf, tinyModel, useBackend } from './helpers.ts';

beforeAll(() => useBackend('wasm'));

function logitsOf(model: ReturnType<typeof tinyModel>, rows: number[][], mask?: number[][]): Float32Array {
  return tf.tidy(() => forward(model, ids2d(rows), mask ? { attentionMask: ids2d(mask) } : {}).dataSync() as Float32Array);
}

describe.each(FAMILIES)('forward (%s)', (preset) => {
  it('matches an independent float64 reference of the HF modeling code', () => {
    const m = tinyModel(preset, 3);
    const ids = randomIds(5, 1, 12, m.config.vocab_size)[0];
    const got = logitsOf(m, [ids]);
    const want = referenceLogits(m, ids).flat();
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.5); // logits are not trivially small
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    disposeModel(m);
  });

  it('has [B, T, V] shape and is causal', () => {
    const m = tinyModel(preset);
    const V = m.config.vocab_size;
    const rows = randomIds(1, 2, 9, V);
    const out = tf.tidy(() => forward(m, ids2d(rows)));
    expect(out.shape).toEqual([2, 9, V]);
    out.dispose();
    const a = logitsOf(m, rows);
    const changed = rows.map((r) => [...r.slice(0, 6), (r[6] + 1) % V, ...r.slice(7)]);
    const b = logitsOf(m, changed);
    const upTo = (x: Float32Array, b: number, t: number): Float32Array => x.subarray(b * 9 * V, (b * 9 + t) * V);
    for (const row of [0, 1]) {
      expect(maxAbsDiff(upTo(a, row, 6), upTo(b, row, 6))).toBeLessThan(1e-6);
      expect(maxAbsDiff(a.subarray((row * 9 + 6) * V, (row * 9 + 7) * V), b.subarray((row * 9 + 6) * V, (row * 9 + 7) * V))).toBeGreaterThan(1e-3);
    }
    disposeModel(m);
  });

  it('gives a left- or right-padded row the logits of the unpadded row', () => {
    const m = tinyModel(preset);
    const V = m.config.vocab_size;
    const row = randomIds(2, 1, 6, V)[0];
    const alone = logitsOf(m, [row]);
    const other = randomIds(3, 1, 9, V)[0];
    const left = logitsOf(m, [[7, 7, 7, ...row], other], [[0, 0, 0, 1, 1, 1, 1, 1, 1], other.map(() => 1)]);
    expect(maxAbsDiff(left.subarray(3 * V, 9 * V), alone)).toBeLessThan(1e-4);
    const right = logitsOf(m, [[...row, 5, 5, 5], other], [[1, 1, 1, 1, 1, 1, 0, 0, 0], other.map(() => 1)]);
    expect(maxAbsDiff(right.subarray(0, 6 * V), alone)).toBeLessThan(1e-4);
    disposeModel(m);
  });
});

describe('backends', () => {
  it('wasm and cpu agree on logits and on the embedding gradient (wasm lacks gather grad)', async () => {
    for (const preset of FAMILIES) {
      const m = tinyModel(preset);
      const rows = randomIds(4, 2, 7, m.config.vocab_size);
      const table = m.params[preset === 'tiny-gpt2' ? 'transformer.wte.weight' : 'model.embed_tokens.weight'];
      const run = (): { logits: Float32Array; grad: Float32Array } => tf.tidy(() => {
        const ids = ids2d(rows);
        const loss = (): tf.Scalar => tf.mean(tf.square(forward(m, ids)));
        const { grads } = tf.variableGrads(loss, [table]);
        return { logits: forward(m, ids).dataSync() as Float32Array, grad: grads[Object.keys(grads)[0]].dataSync() as Float32Array };
      });
      await useBackend('wasm');
      const w = run();
      await useBackend('cpu');
      const c = run();
      await useBackend('wasm');
      expect(maxAbsDiff(w.logits, c.logits)).toBeLessThan(1e-3);
      expect(Math.max(...Array.from(w.grad).map(Math.abs))).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(w.grad, c.grad)).toBeLessThan(1e-4);
      disposeModel(m);
    }
  });

  it('does not leak tensors across repeated forward passes', () => {
    const m = tinyModel('tiny');
    const ids = ids2d(randomIds(6, 2, 8, 64));
    const mask = ids2d([[0, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]]);
    forward(m, ids, { attentionMask: mask }).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) forward(m, ids, { attentionMask: mask }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, mask]);
    disposeModel(m);
  });
});
