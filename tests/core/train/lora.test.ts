import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, disposeModel, type Model } from '../../../src/core/model/params.ts';
import { forward } from '../../../src/core/model/model.ts';
import '../../../src/core/train/train_step.ts'; // registers the gradient kernels
import {
  adaptedModel, adaptedParams, createLora, disposeLora, loraParams, loraTargetNames, mergeLora, restoreLora, serializeLora,
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
    logits(adaptedModel(model, lora)); // llama: the base's cached transposes (matmul.ts), made once and kept until disposeModel
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

describe('lora on llama: the base frozen beside the adapters', () => {
  it('gives the gradients of W + (alpha/r)·B·A (1e-5), holding no copy of a base weight in the step', async () => {
    const model = createModel(resolveModelConfig('tiny', { tie_word_embeddings: false }), 1);
    const lora = createLora(model, { rank: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'down_proj', 'lm_head'] }, 2);
    perturb(loraParams(lora));
    const vars = Object.values(loraParams(lora));
    expect(adaptedModel(model, lora).adapters).toBeDefined();
    const summed = (): Model => ({ config: model.config, params: adaptedParams(model.params, lora) });
    logits(adaptedModel(model, lora)); // the cached transposes exist before either step is profiled
    const step = async (m: () => Model) => {
      let value = NaN;
      let grads: Record<string, Float32Array> = {};
      const profile = await tf.profile(() => {
        const r = tf.variableGrads(() => tf.mean(tf.square(forward(m(), ids))) as tf.Scalar, vars);
        value = r.value.dataSync()[0];
        grads = Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
        tf.dispose([r.value, ...Object.values(r.grads)]);
      });
      return { value, grads, peakBytes: profile.peakBytes };
    };
    const frozen = await step(() => adaptedModel(model, lora));
    const copied = await step(summed);
    expect(Math.abs(frozen.value - copied.value)).toBeLessThan(1e-6);
    for (const k of Object.keys(copied.grads)) expect(maxDiff(frozen.grads[k], copied.grads[k]), k).toBeLessThan(1e-5);
    // The W + B·A path holds, per step, the sums and the concatenated transposes of every weight.
    const weightBytes = Object.values(model.params).reduce((a, v) => a + 4 * v.size, 0);
    expect(copied.peakBytes - frozen.peakBytes).toBeGreaterThan(weightBytes);
    disposeLora(lora);
    disposeModel(model);
  });
});
