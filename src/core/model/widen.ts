// Function-preserving widening (Net2Net, Chen et al. 2016) of a llama/qwen2 checkpoint into a wider config
// with the same depth, vocabulary and head size: every unit of the residual stream, every attention head,
// every kv head and every MLP unit is copied k times, and each weight that reads a copied unit is split
// among its k copies with random shares that sum to one, so the wide model computes the same logits (up to
// float rounding) while its copies get different gradients and can diverge in training. Pure: plain arrays
// in, plain arrays out; no tfjs.
import { createRng } from '../rng.ts';
import type { ModelConfig } from './config.ts';

export interface PlainTensor {
  shape: number[];
  data: Float32Array;
}

export type PlainWeights = Record<string, PlainTensor>;

/** The factors of a widening, or an error naming the field that makes `to` unreachable from `from`. */
export function widenFactors(from: ModelConfig, to: ModelConfig): { hidden: number; mlp: number } {
  const fail = (msg: string): never => { throw new Error(`cannot widen ${describe(from)} into ${describe(to)}: ${msg}`); };
  if (from.model_type === 'gpt2' || to.model_type === 'gpt2') fail('widening supports llama and qwen2 models only');
  for (const k of ['model_type', 'vocab_size', 'num_hidden_layers', 'tie_word_embeddings', 'attention_bias'] as const) {
    if (from[k] !== to[k]) fail(`${k} must stay the same (${String(from[k])} vs ${String(to[k])})`);
  }
  const headDim = from.hidden_size / from.num_attention_heads;
  if (to.hidden_size / to.num_attention_heads !== headDim) fail(`the head size hidden_size / num_attention_heads must stay ${headDim}`);
  const hidden = to.hidden_size / from.hidden_size;
  if (!Number.isInteger(hidden) || hidden < 1) fail(`hidden_size ${to.hidden_size} must be a whole multiple of ${from.hidden_size}`);
  if (to.num_key_value_heads !== from.num_key_value_heads * hidden) {
    fail(`num_key_value_heads must grow with hidden_size (${from.num_key_value_heads} x ${hidden} = ${from.num_key_value_heads * hidden})`);
  }
  const mlp = to.intermediate_size / from.intermediate_size;
  if (!Number.isInteger(mlp) || mlp < 1) fail(`intermediate_size ${to.intermediate_size} must be a whole multiple of ${from.intermediate_size}`);
  if (hidden === 1 && mlp === 1) fail('the target is not wider');
  return { hidden, mlp };
}

function describe(c: ModelConfig): string {
  return `${c.model_type} (hidden ${c.hidden_size}, ${c.num_attention_heads} heads / ${c.num_key_value_heads} kv, MLP ${c.intermediate_size})`;
}

/**
 * A [rows, cols] matrix of the wide model: row r reads old row r % oldRows, column c reads old column
 * c % oldCols; with `split`, each old weight is shared among its `cols / oldCols` column copies (the copies
 * of one input unit), the shares drawn per weight and summing to one.
 */
function tile(old: PlainTensor, rows: number, cols: number, split: boolean, next: () => number): PlainTensor {
  const [oldRows, oldCols] = old.shape.length === 2 ? old.shape : [1, old.shape[0]];
  const copies = cols / oldCols;
  const out = new Float32Array(rows * cols);
  const shares = new Float64Array(copies);
  for (let r = 0; r < rows; r++) {
    const src = (r % oldRows) * oldCols;
    for (let u = 0; u < oldCols; u++) {
      const w = old.data[src + u];
      if (!split || copies === 1) {
        for (let k = 0; k < copies; k++) out[r * cols + k * oldCols + u] = w;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < copies; k++) sum += (shares[k] = 0.5 + next());
      for (let k = 0; k < copies; k++) out[r * cols + k * oldCols + u] = w * (shares[k] / sum);
    }
  }
  return { shape: old.shape.length === 2 ? [rows, cols] : [cols], data: out };
}

/** The wide model's weights for `to` (widenFactors(from, to) must hold); `seed` draws the split shares. */
export function widenWeights(from: ModelConfig, to: ModelConfig, weights: PlainWeights, seed: number): PlainWeights {
  widenFactors(from, to);
  const { next } = createRng(seed);
  const get = (name: string): PlainTensor => {
    const t = weights[name];
    if (!t) throw new Error(`cannot widen: the weights have no tensor ${name}`);
    return t;
  };
  const C = to.hidden_size;
  const F = to.intermediate_size;
  const kvC = to.num_key_value_heads * (C / to.num_attention_heads);
  const out: PlainWeights = {};
  // Reads of the residual stream split their shares among its copies; writes to it are copied whole.
  out['model.embed_tokens.weight'] = tile(get('model.embed_tokens.weight'), to.vocab_size, C, false, next);
  for (let i = 0; i < to.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    const matrix = (name: string, rows: number, cols: number): void => { out[name] = tile(get(name), rows, cols, true, next); };
    const vector = (name: string, size: number): void => { if (weights[name]) out[name] = tile(get(name), 1, size, false, next); };
    matrix(`${p}.self_attn.q_proj.weight`, C, C);
    matrix(`${p}.self_attn.k_proj.weight`, kvC, C);
    matrix(`${p}.self_attn.v_proj.weight`, kvC, C);
    matrix(`${p}.self_attn.o_proj.weight`, C, C);
    vector(`${p}.self_attn.q_proj.bias`, C);
    vector(`${p}.self_attn.k_proj.bias`, kvC);
    vector(`${p}.self_attn.v_proj.bias`, kvC);
    vector(`${p}.self_attn.o_proj.bias`, C);
    matrix(`${p}.mlp.gate_proj.weight`, F, C);
    matrix(`${p}.mlp.up_proj.weight`, F, C);
    matrix(`${p}.mlp.down_proj.weight`, C, F);
    vector(`${p}.input_layernorm.weight`, C);
    vector(`${p}.post_attention_layernorm.weight`, C);
  }
  // The output head reads the final norm's copies: with tied embeddings (copied whole above) the norm's
  // own weight carries the split; an untied head splits its columns and the norm is copied.
  if (to.tie_word_embeddings) out['model.norm.weight'] = tile(get('model.norm.weight'), 1, C, true, next);
  else {
    out['model.norm.weight'] = tile(get('model.norm.weight'), 1, C, false, next);
    out['lm_head.weight'] = tile(get('lm_head.weight'), to.vocab_size, C, true, next);
  }
  return out;
}
