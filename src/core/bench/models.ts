// Seeded random models and token data for the benchmark: no tokenizer, no files. Speed does not
// depend on what the weights have learned, only on shapes (random weights decode full-length trajectories).
import { resolveModelConfig, type ModelConfig } from '../model/config.ts';
import { createModel, type Model } from '../model/params.ts';
import { createRng } from '../rng.ts';
import type { BenchModel } from './config.ts';

export function benchModelConfig(m: BenchModel): ModelConfig {
  return resolveModelConfig(m.preset, m.overrides ?? {});
}

export function createBenchModel(m: BenchModel, seed = 0): Model {
  return createModel(benchModelConfig(m), seed);
}

/** `n` rows of `length` token ids drawn uniformly from [1, vocab) (0 is left for padding). */
export function randomTokens(vocab: number, n: number, length: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length }, () => 1 + rng.int(vocab - 1)));
}

/**
 * A width variant of a preset: hidden `width`, MLP ratio and head dim of the base kept
 * (heads = width / head dim, kv heads in the same ratio), so only the width changes.
 */
export function widthVariant(base: BenchModel, width: number): BenchModel {
  const c = benchModelConfig(base);
  const headDim = c.hidden_size / c.num_attention_heads;
  const heads = Math.max(1, Math.round(width / headDim));
  const kvHeads = Math.max(1, Math.round((heads * c.num_key_value_heads) / c.num_attention_heads));
  const intermediate = 2 * Math.round((width * c.intermediate_size) / c.hidden_size / 2);
  return {
    name: `width-${width}`,
    preset: base.preset,
    overrides: { ...base.overrides, hidden_size: width, num_attention_heads: heads, num_key_value_heads: kvHeads, intermediate_size: intermediate },
  };
}
