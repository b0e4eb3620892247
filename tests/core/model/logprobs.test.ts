import { beforeAll, describe, expect, it } from 'vitest';
import { forward } from '../../../src/core/model/model.ts';
import { logProbsOfTargets, maskedSum, tokenLogProbs } from '../../../src/core/model/logprobs.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel } from '../../../src/core/model/params.ts';
import { ids2d, maxAbsDiff, randomIds, tf, tinyModel, useBackend } from './helpers.ts';

beforeAll(() => useBackend('wasm'));

describe('tokenLogProbs', () => {
  it('equals log softmax of the logits at the target, computed by hand', () => {
    const m = tinyModel('tiny-qwen2');
    const V = m.config.vocab_size;
    const inputs = randomIds(1, 2, 6, V);
    const targets = randomIds(2, 2, 6, V);
    const got = tf.tidy(() => tokenLogProbs(m, ids2d(inputs), ids2d(targets)).dataSync() as Float32Array);
    const logits = tf.tidy(() => forward(m, ids2d(inputs)).dataSync() as Float32Array);
    const want: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 6; t++) {
        const row = Array.from(logits.subarray((b * 6 + t) * V, (b * 6 + t + 1) * V));
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
        want.push(row[targets[b][t]] - lse);
      }
    }
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    const frozen = tf.tidy(() => tokenLogProbs(m, ids2d(inputs), ids2d(targets), { frozen: true }).dataSync() as Float32Array);
    expect(maxAbsDiff(frozen, got)).toBeLessThan(1e-5);
    disposeModel(m);
  });

  it('maskedSum adds only unmasked positions', () => {
    const out = tf.tidy(() => maskedSum(tf.tensor2d([[-1, -2, -3], [-4, -5, -6]]), tf.tensor2d([[1, 0, 1], [0, 0, 1]])).dataSync());
    expect(Array.from(out)).toEqual([-4, -6]);
  });

  it('has gradients equal on wasm and cpu', async () => {
    const logits = tf.variable(tf.tensor3d(randomIds(3, 2, 12, 10).flat().map((v) => v / 3 - 1), [2, 3, 4]));
    const targets = tf.tensor2d([[0, 3, 1], [2, 2, 0]], [2, 3], 'int32');
    const grad = (): Float32Array => tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(logProbsOfTargets(logits as unknown as tf.Tensor3D, targets)), [logits]);
      return Object.values(grads)[0].dataSync() as Float32Array;
    });
    const w = grad();
    // d/dlogits sum_t log_softmax(logits)[target] = onehot(target) - softmax(logits), by hand.
    const x = logits.dataSync();
    const tg = targets.dataSync();
    for (let r = 0; r < 6; r++) {
      const row = Array.from(x.subarray(r * 4, r * 4 + 4));
      const z = row.reduce((a, v) => a + Math.exp(v), 0);
      row.forEach((v, j) => expect(w[r * 4 + j]).toBeCloseTo((j === tg[r] ? 1 : 0) - Math.exp(v) / z, 5));
    }
    await useBackend('cpu');
    const c = grad();
    await useBackend('wasm');
    expect(maxAbsDiff(w, c)).toBeLessThan(1e-5);
    tf.dispose([logits, targets]);
  });
});

describe('training through tokenLogProbs', () => {
  it('overfits one batch with Adam on wasm (loss -> ~0) without leaking', () => {
    const m = createModel(resolveModelConfig('tiny', { num_hidden_layers: 1 }), 11);
    const seq = randomIds(4, 2, 13, 64);
    const inputs = ids2d(seq.map((r) => r.slice(0, -1)));
    const targets = ids2d(seq.map((r) => r.slice(1)));
    const mask = tf.ones([2, 12]) as tf.Tensor2D;
    const opt = tf.train.adam(0.02);
    const vars = Object.values(m.params);
    const loss = (): tf.Scalar => tf.neg(tf.div(tf.sum(maskedSum(tokenLogProbs(m, inputs, targets), mask)), 24)) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]);
    let last = first;
    let before = 0;
    for (let step = 0; step < 200; step++) {
      if (step === 2) before = tf.memory().numTensors;
      const l = opt.minimize(loss, true, vars)!;
      if (step % 50 === 49) last = l.dataSync()[0];
      l.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(first).toBeGreaterThan(3.5); // ~ln 64 at init
    expect(last).toBeLessThan(0.05);
    opt.dispose();
    tf.dispose([inputs, targets, mask]);
    disposeModel(m);
  });
});
