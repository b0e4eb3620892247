import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, disposeModel, type Model } from '../../../src/core/model/params.ts';
import { forward } from '../../../src/core/model/model.ts';
import '../../../src/core/train/train_step.ts'; // registers the gradient kernels
import {
  adaptedModel, createLora, disposeLora, loraParams, loraTargetNames, mergeLora, restoreLora, serializeLora,
} from '../../../src/core/train/lora.ts';

const ids = tf.tensor2d([[1, 5, 9, 3, 7], [2, 4, 6, 8, 10]], [2, 5], 'int32');

function logits(m: Model): Float32Array {
  return tf.tidy(() => forward(m, ids).dataSync() as Float32Array);
}

/** Gives every B a seeded non-zero value, as training would. */
function perturb(params: Record<string, tf.Variable>): void {
  let k = 1;
  for (const [name, v] of Object.entries(params)) {
    if (!name.includes('lora_B')) continue;
    tf.tidy(() => v.assign(tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', k++), 0.05)));
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['tiny', 'tiny-gpt2'])('lora on %s', (preset) => {
  const targets = preset === 'tiny' ? ['q_proj', 'v_proj', 'down_proj'] : ['c_attn', 'c_fc'];

  it('selects the target matrices', () => {
    const model = createModel(resolveModelConfig(preset), 1);
    const names = loraTargetNames(model.params, targets);
    expect(names.length).toBe(targets.length * 2);
    disposeModel(model);
  });

  it('zero-initialised B leaves logits unchanged', () => {
    const model = createModel(resolveModelConfig(preset), 1);
    const lora = createLora(model, { rank: 4, alpha: 8, targets }, 2);
    const base = logits(model);
    const adapted = tf.tidy(() => forward(adaptedModel(model, lora), ids).dataSync() as Float32Array);
    expect(adapted).toEqual(base);
    disposeLora(lora);
    disposeModel(model);
  });

  it('merged export equals the adapter model, and the adapter changes the logits', () => {
    const model = createModel(resolveModelConfig(preset), 1);
    const lora = createLora(model, { rank: 4, alpha: 8, targets }, 2);
    perturb(loraParams(lora));
    const base = logits(model);
    const adapted = tf.tidy(() => forward(adaptedModel(model, lora), ids).dataSync() as Float32Array);
    const merged = mergeLora(model, lora);
    expect(maxDiff(adapted, base)).toBeGreaterThan(1e-4);
    expect(maxDiff(logits(merged), adapted)).toBeLessThan(1e-5);
    disposeModel(merged);
    disposeLora(lora);
    disposeModel(model);
  });

  it('adapters round trip through safetensors', async () => {
    const model = createModel(resolveModelConfig(preset), 1);
    const lora = createLora(model, { rank: 2, alpha: 4, targets }, 2);
    perturb(loraParams(lora));
    const bytes = await serializeLora(lora);
    const other = createLora(model, { rank: 2, alpha: 4, targets }, 9);
    restoreLora(other, bytes);
    const a = loraParams(lora);
    const b = loraParams(other);
    for (const k of Object.keys(a)) expect(b[k].dataSync()).toEqual(a[k].dataSync());
    disposeLora(lora);
    disposeLora(other);
    disposeModel(model);
  });

  it('gradients reach A and B only through the adapted forward', () => {
    const model = createModel(resolveModelConfig(preset), 1);
    const lora = createLora(model, { rank: 2, alpha: 4, targets }, 2);
    perturb(loraParams(lora));
    const vars = Object.values(loraParams(lora));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(forward(adaptedModel(model, lora), ids))) as tf.Scalar, vars);
    for (const v of vars) expect(grads[v.name].shape).toEqual(v.shape);
    expect(Object.keys(grads).length).toBe(vars.length);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    disposeLora(lora);
    disposeModel(model);
  });
});
