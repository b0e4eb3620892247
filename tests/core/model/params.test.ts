import { beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { countParams, createModel, disposeModel, expectedParamShapes } from '../../../src/core/model/params.ts';
import { tf, useBackend } from './helpers.ts';

beforeAll(() => useBackend('wasm'));

describe('params', () => {
  it('uses HF names and layouts', () => {
    const llama = expectedParamShapes(resolveModelConfig('tiny'));
    expect(llama['model.embed_tokens.weight']).toEqual([64, 32]);
    expect(llama['model.layers.1.self_attn.k_proj.weight']).toEqual([16, 32]); // [nKv*D, C]
    expect(llama['model.layers.0.mlp.down_proj.weight']).toEqual([32, 64]); // [out, in]
    expect(llama['lm_head.weight']).toBeUndefined();
    expect(llama['model.layers.0.self_attn.q_proj.bias']).toBeUndefined();
    expect(expectedParamShapes(resolveModelConfig('tiny', { tie_word_embeddings: false }))['lm_head.weight']).toEqual([64, 32]);
    const qwen = expectedParamShapes(resolveModelConfig('tiny-qwen2'));
    expect(qwen['model.layers.0.self_attn.v_proj.bias']).toEqual([16]);
    expect(qwen['model.layers.0.self_attn.o_proj.bias']).toBeUndefined();
    const gpt2 = expectedParamShapes(resolveModelConfig('tiny-gpt2'));
    expect(gpt2['transformer.h.0.attn.c_attn.weight']).toEqual([32, 96]); // Conv1D [in, 3*out]
    expect(gpt2['transformer.h.1.mlp.c_proj.weight']).toEqual([128, 32]);
    expect(gpt2['transformer.wpe.weight']).toEqual([128, 32]);
    expect(Object.keys(gpt2)).toHaveLength(2 + 2 * 12 + 2);
  });

  it('counts parameters as the listed tensors do, per layer times the layers (10^7 layers at no extra cost)', () => {
    const listed = (c: ReturnType<typeof resolveModelConfig>, keep: (n: string, s: number[]) => boolean = () => true): number =>
      Object.entries(expectedParamShapes(c)).filter(([n, s]) => keep(n, s)).reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
    for (const name of ['tiny', 'tiny-qwen2', 'tiny-gpt2', 'default'] as const) {
      for (const layers of [1, 2, 3]) {
        const c = resolveModelConfig(name, { num_hidden_layers: layers, tie_word_embeddings: layers !== 2 });
        expect(countParams(c), `${name}, ${layers} layers`).toBe(listed(c));
        const linear = (n: string, s: number[]): boolean => s.length === 2 && n.includes('_proj.');
        expect(countParams(c, linear), `${name}, ${layers} layers, 2D *_proj`).toBe(listed(c, linear));
      }
    }
    // tiny: embedding 64x32 and final norm 32 outside the layers; per layer q, o 32x32, k, v 16x32,
    // gate, up 64x32, down 32x64, two norms 32: 2048 + 32 + 10^7 * (2*1024 + 2*512 + 3*2048 + 2*32).
    expect(countParams(resolveModelConfig('tiny', { num_hidden_layers: 10_000_000 }))).toBe(2048 + 32 + 10_000_000 * 9280);
  });

  it('counts and seeds deterministically without leaking', () => {
    const c = resolveModelConfig('default', { vocab_size: 2048 });
    const n = countParams(c);
    expect(n).toBeGreaterThan(1e6);
    expect(n).toBeLessThan(2e6);
    // 4x preset for benchmarks
    const ratio = countParams(resolveModelConfig('default-x4', { vocab_size: 2048 })) / n;
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5);
    const before = tf.memory().numTensors;
    const tiny = resolveModelConfig('tiny');
    const a = createModel(tiny, 7);
    const b = createModel(tiny, 7);
    const d = createModel(tiny, 8);
    const w = 'model.layers.0.self_attn.q_proj.weight';
    expect(Array.from(a.params[w].dataSync())).toEqual(Array.from(b.params[w].dataSync()));
    expect(Array.from(a.params[w].dataSync())).not.toEqual(Array.from(d.params[w].dataSync()));
    const std = Math.sqrt(tf.tidy(() => tf.mean(tf.square(a.params['model.embed_tokens.weight'])).dataSync()[0]));
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    expect(Object.keys(a.params).length).toBe(Object.keys(expectedParamShapes(tiny)).length);
    for (const m of [a, b, d]) disposeModel(m);
    expect(tf.memory().numTensors).toBe(before);
  });
});
