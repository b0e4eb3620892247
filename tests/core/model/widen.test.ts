import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig, type ModelConfig } from '../../../src/core/model/config.ts';
import { forward } from '../../../src/core/model/model.ts';
import { disposeModel, expectedParamShapes, type Model } from '../../../src/core/model/params.ts';
import { widenFactors, widenWeights, type PlainWeights } from '../../../src/core/model/widen.ts';
import { ids2d, maxAbsDiff, randomIds, tf, tinyModel, useBackend } from './helpers.ts';

beforeAll(() => useBackend('wasm'));

function plain(m: Model): PlainWeights {
  const out: PlainWeights = {};
  for (const [name, v] of Object.entries(m.params)) out[name] = { shape: v.shape.slice(), data: v.dataSync() as Float32Array };
  return out;
}

function widened(m: Model, to: ModelConfig, seed = 7): Model {
  const weights = widenWeights(m.config, to, plain(m), seed);
  const params = Object.fromEntries(Object.entries(weights).map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape), true)]));
  return { config: to, params };
}

function logits(m: Model, rows: number[][]): Float32Array {
  return tf.tidy(() => forward(m, ids2d(rows)).dataSync() as Float32Array);
}

const WIDER = { hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 4, intermediate_size: 128 };

describe.each([
  ['tiny', {}, WIDER],
  ['tiny-qwen2', {}, WIDER],
  ['tiny', { tie_word_embeddings: false }, WIDER],
  ['tiny', {}, { intermediate_size: 192 }], // the MLP alone, 3x
  ['tiny-qwen2', {}, { hidden_size: 96, num_attention_heads: 12, num_key_value_heads: 6 }],
] as const)('widenWeights (%s %j -> %j)', (preset, base, grow) => {
  it('gives the same logits as the narrow model, with the wide shapes', () => {
    const narrow = tinyModel(preset, 3, base);
    const to = resolveModelConfig(preset, { ...base, ...grow });
    const wide = widened(narrow, to);
    expect(Object.fromEntries(Object.entries(wide.params).map(([name, v]) => [name, v.shape]))).toEqual(expectedParamShapes(to));
    const rows = randomIds(5, 2, 10, narrow.config.vocab_size);
    const want = logits(narrow, rows);
    const got = logits(wide, rows);
    const scale = Math.max(...Array.from(want, Math.abs));
    expect(scale).toBeGreaterThan(1);
    expect(maxAbsDiff(got, want) / scale).toBeLessThan(1e-5);
    disposeModel(narrow);
    disposeModel(wide);
  });
});

describe('widening breaks the symmetry of the copies', () => {
  it('gives the two copies of a unit different gradients', () => {
    const narrow = tinyModel('tiny', 3);
    const wide = widened(narrow, resolveModelConfig('tiny', WIDER));
    const rows = randomIds(9, 2, 10, narrow.config.vocab_size);
    const target = tf.randomNormal([2, 10, narrow.config.vocab_size], 0, 1, 'float32', 4);
    const name = 'model.layers.0.input_layernorm.weight';
    const grad = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.mul(forward(wide, ids2d(rows)), target)) as tf.Scalar, [wide.params[name]]);
      return grads[wide.params[name].name].dataSync() as Float32Array;
    });
    const old = narrow.config.hidden_size;
    const first = grad.slice(0, old);
    const second = grad.slice(old, 2 * old);
    expect(Math.max(...Array.from(first, Math.abs))).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(first, Array.from(second)) / Math.max(...Array.from(first, Math.abs))).toBeGreaterThan(0.05);
    target.dispose();
    disposeModel(narrow);
    disposeModel(wide);
  });
});

describe('widenFactors', () => {
  const tiny = resolveModelConfig('tiny');
  it('returns the hidden and MLP factors', () => {
    expect(widenFactors(tiny, resolveModelConfig('tiny', WIDER))).toEqual({ hidden: 2, mlp: 2 });
    expect(widenFactors(resolveModelConfig('default'), resolveModelConfig('default-x4'))).toEqual({ hidden: 2, mlp: 2 });
  });
  it.each([
    [{ num_hidden_layers: 3 }, /num_hidden_layers must stay the same/],
    [{ hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 4 }, /head size .* must stay 8/],
    [{ hidden_size: 48, num_attention_heads: 6, num_key_value_heads: 2 }, /hidden_size 48 must be a whole multiple of 32/],
    [{ hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 2 }, /num_key_value_heads must grow with hidden_size \(2 x 2 = 4\)/],
    [{ intermediate_size: 96 + 1 }, /intermediate_size 97 must be a whole multiple of 64/],
    [{}, /the target is not wider/],
    [{ vocab_size: 65 }, /vocab_size must stay the same/],
  ] as const)('refuses %j', (grow, message) => {
    expect(() => widenFactors(tiny, resolveModelConfig('tiny', grow))).toThrow(message);
  });
  it('refuses gpt2', () => {
    expect(() => widenFactors(resolveModelConfig('tiny-gpt2'), resolveModelConfig('tiny-gpt2', { hidden_size: 64, num_attention_heads: 8 })))
      .toThrow(/llama and qwen2 models only/);
  });
});
