import { describe, expect, it } from 'vitest';
import { FAMILIES, ids2d, maxAbsDiff, randomIds, tinyModel, useBackend } from './helpers.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { tokenLogProbs } from '../../../src/core/model/logprobs.ts';
import { disposeModel, type Model } from '../../../src/core/model/params.ts';
import '../../../src/core/train/train_step.ts'; // registers the gradient kernels
import { pairLogps, type PairInputs } from '../../../src/core/train/dpo_logps.ts';
import { adaptedModel, createLora, disposeLora, loraParams } from '../../../src/core/train/lora.ts';

/** The loss and the gradient of every variable in `vars`, as arrays. */
function lossAndGrads(loss: () => tf.Scalar, vars: tf.Variable[]): { loss: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, vars);
    return { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  });
}

function expectSame(a: { loss: number; grads: Float32Array[] }, b: { loss: number; grads: Float32Array[] }): void {
  expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
  expect(a.grads.length).toBe(b.grads.length);
  a.grads.forEach((g, i) => expect(maxAbsDiff(g, b.grads[i])).toBeLessThan(1e-5));
}

/** Two pairs: a left-padded prompt of 5 and completions of 4 (right-padded), as dpo_data.ts builds them. */
function pairInputs(V: number): PairInputs {
  const prompt = randomIds(3, 2, 5, V);
  const completion = randomIds(4, 4, 4, V);
  return {
    promptIds: ids2d(prompt),
    promptMask: tf.tensor2d([[0, 1, 1, 1, 1], [1, 1, 1, 1, 1]], [2, 5], 'int32'),
    completionIds: ids2d(completion),
    completionMask: tf.tensor2d([[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 1]], [4, 4], 'int32'),
    completionPositions: tf.tensor2d([[4, 5, 6, 7], [5, 6, 7, 8], [4, 5, 6, 7], [5, 6, 7, 8]], [4, 4], 'int32'),
  };
}

function pairLoss(model: Model, x: PairInputs, checkpoint: boolean): tf.Scalar {
  return tf.sum(tf.mul(pairLogps(model, x, { checkpoint }), tf.cast(x.completionMask, 'float32'))) as tf.Scalar;
}

describe.each(['wasm', 'cpu'] as const)('activation checkpointing on %s', (backend) => {
  describe.each(FAMILIES)('%s', (preset) => {
    it('full fine-tuning: the same loss and gradients of every weight (1e-5)', async () => {
      await useBackend(backend);
      const model = tinyModel(preset, 2);
      const V = model.config.vocab_size;
      const ids = ids2d(randomIds(5, 2, 7, V));
      const targets = ids2d(randomIds(6, 2, 7, V));
      const mask = tf.tensor2d([[0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]], [2, 7], 'int32');
      const vars = Object.values(model.params);
      const loss = (checkpoint: boolean) => () => tf.neg(tf.sum(tokenLogProbs(model, ids, targets, { attentionMask: mask, checkpoint }))) as tf.Scalar;
      const plain = lossAndGrads(loss(false), vars);
      const before = tf.memory().numTensors;
      const recomputed = lossAndGrads(loss(true), vars);
      expect(tf.memory().numTensors).toBe(before);
      expectSame(recomputed, plain);
      expect(plain.grads.some((g) => g.some((x) => x !== 0))).toBe(true);
      tf.dispose([ids, targets, mask]);
      disposeModel(model);
    });

    it('LoRA, the prompt run once with its keys and values reused: the same DPO log-probs and adapter gradients (1e-5)', async () => {
      await useBackend(backend);
      const model = tinyModel(preset, 3);
      const targets = preset === 'tiny-gpt2' ? ['c_attn', 'c_fc'] : ['q_proj', 'v_proj', 'down_proj'];
      const lora = createLora(model, { rank: 2, alpha: 4, targets }, 0);
      const adapters = Object.values(loraParams(lora));
      let k = 1;
      for (const v of adapters) tf.tidy(() => v.assign(tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', k++), 0.1))); // B non-zero
      const x = pairInputs(model.config.vocab_size);
      const loss = (checkpoint: boolean) => () => pairLoss(adaptedModel(model, lora), x, checkpoint);
      const plain = lossAndGrads(loss(false), adapters);
      const before = tf.memory().numTensors;
      const recomputed = lossAndGrads(loss(true), adapters);
      expect(tf.memory().numTensors).toBe(before);
      expectSame(recomputed, plain);
      expect(plain.grads.every((g) => g.some((v) => v !== 0))).toBe(true);
      tf.dispose(Object.values(x));
      disposeLora(lora);
      disposeModel(model);
    });
  });
});
