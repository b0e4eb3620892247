// Model parameters as tf.Variables keyed by the exact HF transformers tensor names, in HF's own layout
// (nn.Linear [out, in]; gpt2 Conv1D [in, out]), so checkpoints round-trip with PyTorch unchanged.
// Seeded GPT-2-style initialisation; it does not read or write files (the checkpoint module does).
import { tf } from '../runtime/tf.ts';
import { createRng } from '../rng.ts';
import type { ModelConfig } from './config.ts';
import { releaseFrozen, type LinearAdapter } from './matmul.ts';

export type Params = Record<string, tf.Variable>;

export interface Model {
  config: ModelConfig;
  params: Params;
  /** LoRA (llama/qwen2 linears): adapters by weight name; the params are then a frozen base (matmul.ts linear). */
  adapters?: Record<string, LinearAdapter>;
}

type Init = 'normal' | 'residual' | 'ones' | 'zeros';

interface ParamSpec {
  shape: number[];
  init: Init;
}

function llamaSpecs(c: ModelConfig): Record<string, ParamSpec> {
  const C = c.hidden_size;
  const D = C / c.num_attention_heads;
  const kvC = c.num_key_value_heads * D;
  const specs: Record<string, ParamSpec> = { 'model.embed_tokens.weight': { shape: [c.vocab_size, C], init: 'normal' } };
  const qkvBias = c.attention_bias;
  const oBias = c.attention_bias && c.model_type === 'llama';
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    specs[`${p}.self_attn.q_proj.weight`] = { shape: [C, C], init: 'normal' };
    specs[`${p}.self_attn.k_proj.weight`] = { shape: [kvC, C], init: 'normal' };
    specs[`${p}.self_attn.v_proj.weight`] = { shape: [kvC, C], init: 'normal' };
    if (qkvBias) {
      specs[`${p}.self_attn.q_proj.bias`] = { shape: [C], init: 'zeros' };
      specs[`${p}.self_attn.k_proj.bias`] = { shape: [kvC], init: 'zeros' };
      specs[`${p}.self_attn.v_proj.bias`] = { shape: [kvC], init: 'zeros' };
    }
    specs[`${p}.self_attn.o_proj.weight`] = { shape: [C, C], init: 'residual' };
    if (oBias) specs[`${p}.self_attn.o_proj.bias`] = { shape: [C], init: 'zeros' };
    specs[`${p}.mlp.gate_proj.weight`] = { shape: [c.intermediate_size, C], init: 'normal' };
    specs[`${p}.mlp.up_proj.weight`] = { shape: [c.intermediate_size, C], init: 'normal' };
    specs[`${p}.mlp.down_proj.weight`] = { shape: [C, c.intermediate_size], init: 'residual' };
    specs[`${p}.input_layernorm.weight`] = { shape: [C], init: 'ones' };
    specs[`${p}.post_attention_layernorm.weight`] = { shape: [C], init: 'ones' };
  }
  specs['model.norm.weight'] = { shape: [C], init: 'ones' };
  if (!c.tie_word_embeddings) specs['lm_head.weight'] = { shape: [c.vocab_size, C], init: 'normal' };
  return specs;
}

function gpt2Specs(c: ModelConfig): Record<string, ParamSpec> {
  const C = c.hidden_size;
  const specs: Record<string, ParamSpec> = {
    'transformer.wte.weight': { shape: [c.vocab_size, C], init: 'normal' },
    'transformer.wpe.weight': { shape: [c.max_position_embeddings, C], init: 'normal' },
  };
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `transformer.h.${i}`;
    specs[`${p}.ln_1.weight`] = { shape: [C], init: 'ones' };
    specs[`${p}.ln_1.bias`] = { shape: [C], init: 'zeros' };
    specs[`${p}.attn.c_attn.weight`] = { shape: [C, 3 * C], init: 'normal' };
    specs[`${p}.attn.c_attn.bias`] = { shape: [3 * C], init: 'zeros' };
    specs[`${p}.attn.c_proj.weight`] = { shape: [C, C], init: 'residual' };
    specs[`${p}.attn.c_proj.bias`] = { shape: [C], init: 'zeros' };
    specs[`${p}.ln_2.weight`] = { shape: [C], init: 'ones' };
    specs[`${p}.ln_2.bias`] = { shape: [C], init: 'zeros' };
    specs[`${p}.mlp.c_fc.weight`] = { shape: [C, c.intermediate_size], init: 'normal' };
    specs[`${p}.mlp.c_fc.bias`] = { shape: [c.intermediate_size], init: 'zeros' };
    specs[`${p}.mlp.c_proj.weight`] = { shape: [c.intermediate_size, C], init: 'residual' };
    specs[`${p}.mlp.c_proj.bias`] = { shape: [C], init: 'zeros' };
  }
  specs['transformer.ln_f.weight'] = { shape: [C], init: 'ones' };
  specs['transformer.ln_f.bias'] = { shape: [C], init: 'zeros' };
  return specs;
}

function paramSpecs(c: ModelConfig): Record<string, ParamSpec> {
  return c.model_type === 'gpt2' ? gpt2Specs(c) : llamaSpecs(c);
}

/** Every tensor name and shape a checkpoint for this config must hold (HF names and layout). */
export function expectedParamShapes(c: ModelConfig): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, spec] of Object.entries(paramSpecs(c))) out[name] = spec.shape;
  return out;
}

/**
 * Parameters of the model, or of those tensors `match` accepts (by name and shape), counted on a
 * one-layer model and scaled by num_hidden_layers (every layer has the same tensors). Listing every
 * layer's tensors instead took 10 s at 4x10^5 layers and, for a config claiming 10^7, ran for many minutes
 * on one core while growing to gigabytes (V8 re-sorts a large dictionary object's keys as it grows).
 */
export function countParams(c: ModelConfig, match: (name: string, shape: number[]) => boolean = () => true): number {
  const count = (layers: number): number => {
    let n = 0;
    for (const [name, spec] of Object.entries(paramSpecs({ ...c, num_hidden_layers: layers }))) {
      if (match(name, spec.shape)) n += spec.shape.reduce((a, b) => a * b, 1);
    }
    return n;
  };
  const outside = count(0);
  return outside + c.num_hidden_layers * (count(1) - outside);
}

/** Seeded init: N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 L)) (GPT-2 paper), norms 1, biases 0. */
export function initParams(c: ModelConfig, seed: number): Params {
  const rng = createRng(seed);
  const residualStd = 0.02 / Math.sqrt(2 * c.num_hidden_layers);
  const params: Params = {};
  for (const [name, spec] of Object.entries(paramSpecs(c))) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (spec.init === 'ones') values.fill(1);
    else if (spec.init === 'normal' || spec.init === 'residual') fillNormal(values, rng.next, spec.init === 'normal' ? 0.02 : residualStd);
    // No variable name: tfjs names are global, and policy and reference models coexist.
    params[name] = tf.tidy(() => tf.variable(tf.tensor(values, spec.shape, 'float32'), true));
  }
  return params;
}

/** Box-Muller, two normals per pair of uniforms. */
function fillNormal(out: Float32Array, next: () => number, std: number): void {
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    const theta = 2 * Math.PI * next();
    out[i] = r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
  }
}

export function createModel(c: ModelConfig, seed: number): Model {
  return { config: c, params: initParams(c, seed) };
}

/** Every parameter's values by name, copied out of the backend (for a resume point). */
export function weightsOf(model: Model): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

/** Sets every parameter to a checkpoint's values (resume); throws naming a weight that is missing or the wrong size. */
export function restoreWeights(model: Model, weights: Record<string, Float32Array>): void {
  for (const [name, v] of Object.entries(model.params)) {
    const w = weights[name];
    if (!w || w.length !== v.size) throw new Error(`resume: checkpoint weight ${name} is missing or has the wrong size`);
    tf.tidy(() => v.assign(tf.tensor(w, v.shape, 'float32')));
  }
}

export function disposeModel(m: Model): void {
  releaseFrozen(Object.values(m.params));
  for (const v of Object.values(m.params)) v.dispose();
}
