// The forward pass of the three families (llama, qwen2, gpt2) in tfjs ops, matching HF transformers'
// semantics on HF-layout weights. Full-sequence `forward` plus the cache-aware `runTransformer` that
// kv_cache/decode build on. No tf.layers, no dropout, no sampling (see decode.ts and sampling.ts).
import { tf } from '../runtime/tf.ts';
import type { ModelConfig } from './config.ts';
import { linear, matMul2d, type LinearAdapter } from './matmul.ts';
import { checkpointed } from './checkpoint.ts';
import { attendGroups, attendSharedPrefix } from './sliced_attention.ts';
import { concatAxis, splitAxis } from './split_concat.ts';
import type { Model, Params } from './params.ts';

export interface ForwardOptions {
  /** [B, T] 1 for real tokens, 0 for padding (left or right); defaults to all ones. */
  attentionMask?: tf.Tensor2D;
  /** Inference only (e.g. a DPO reference model): reuse cached transposed weights; no gradient reaches the weights. */
  frozen?: boolean;
  /** Training: keep only each layer's inputs for the backward pass and recompute the rest there (checkpoint.ts). */
  checkpoint?: boolean;
}

/** Keys and values of one layer, kv heads not repeated: [B, nKv, S, D] each. */
export type LayerKV = { // a type, not an interface, so it is a tf.TensorContainer
  k: tf.Tensor4D;
  v: tf.Tensor4D;
};

/**
 * Keys and values every row of a batch shares before its own (branches forked from one prefix of P
 * positions), laid out for one 2D product over all rows and kv groups: kT [D, nKv*P] and v [nKv*P, D],
 * group g in columns (rows) g*P..(g+1)*P. Owned by the KVCache that holds them.
 */
export type SharedKV = {
  kT: tf.Tensor2D;
  v: tf.Tensor2D;
};

export interface TransformerInput {
  ids: tf.Tensor2D; // [B, T] int32
  positions: tf.Tensor2D; // [B, T] int32 position ids
  bias: tf.Tensor4D; // [B, 1, T, S] additive attention bias (0 allowed, -1e9 masked), S = past + T
  past?: LayerKV[]; // per layer [B, nKv, P, D]
  /** Decode (T = 1) only: a shared prefix per layer, and the bias [B, nKv, 1, nKv*P + S] that replaces `bias`. */
  shared?: { layers: SharedKV[]; bias: tf.Tensor4D };
  lastOnly?: boolean; // project only the last position to logits
  frozen?: boolean; // inference only: no gradients, cached transposed weights (see matmul.ts)
  checkpoint?: boolean; // training: recompute each layer in the backward pass (checkpoint.ts)
}

export interface TransformerOutput {
  logits: tf.Tensor3D; // [B, T, V] (T = 1 with lastOnly)
  present: LayerKV[]; // per layer [B, nKv, P + T, D]
}

const MASKED = -1e9;

/** Logits for every position: [B, T] int32 ids -> [B, T, V]. */
export function forward(model: Model, inputIds: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T] = inputIds.shape;
    checkLength(model.config, T);
    const mask: tf.Tensor2D = opts.attentionMask ? tf.cast(opts.attentionMask, 'float32') : tf.ones([B, T]); // [B, T]
    const positions = positionIds(mask);
    const bias = attentionBias(mask, T, 0);
    return runTransformer(model, { ids: inputIds, positions, bias, frozen: opts.frozen, checkpoint: opts.checkpoint }).logits;
  });
}

/** Key/value heads of the attention (gpt2 has no grouping). */
export function kvHeads(c: ModelConfig): number {
  return c.model_type === 'gpt2' ? c.num_attention_heads : c.num_key_value_heads;
}

/** gpt2's learned positions end at max_position_embeddings; past it the lookup would read zeros. */
export function checkLength(c: ModelConfig, positions: number): void {
  if (c.model_type === 'gpt2' && positions > c.max_position_embeddings) {
    throw new Error(`sequence of ${positions} positions exceeds max_position_embeddings ${c.max_position_embeddings}`);
  }
}

/** HF generate's convention: cumsum(mask) - 1, padding positions clamped to 0. */
export function positionIds(mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.relu(tf.sub(tf.cumsum(mask, 1), 1)), 'int32') as tf.Tensor2D); // [B, T]
}

/** Causal + key-padding bias for T queries at positions past..past+T-1 over S = past + T keys. */
export function attentionBias(keyMask: tf.Tensor2D, T: number, past: number): tf.Tensor4D {
  return tf.tidy(() => {
    const S = keyMask.shape[1];
    const qPos = tf.reshape(tf.range(past, past + T, 1, 'int32'), [T, 1]); // [T, 1]
    const kPos = tf.reshape(tf.range(0, S, 1, 'int32'), [1, S]); // [1, S]
    const causal = tf.cast(tf.lessEqual(kPos, qPos), 'float32'); // [T, S]
    const allowed = tf.mul(tf.expandDims(causal, 0), tf.expandDims(tf.cast(keyMask, 'float32'), 1)); // [B, T, S]
    return tf.expandDims(tf.mul(tf.sub(1, allowed), MASKED), 1) as tf.Tensor4D; // [B, 1, T, S]
  });
}

/** The network proper; the caller owns the returned tensors (use inside tf.tidy). */
export function runTransformer(model: Model, input: TransformerInput): TransformerOutput {
  const c = model.config;
  const p = model.params;
  const [B, T] = input.ids.shape;
  const gpt2 = c.model_type === 'gpt2';
  const table = gpt2 ? p['transformer.wte.weight'] : p['model.embed_tokens.weight']; // [V, C]
  let x = embed(table, input.ids); // [B, T, C]
  if (gpt2) x = tf.add(x, embed(p['transformer.wpe.weight'], input.positions)); // [B, T, C]
  const rope = gpt2 ? undefined : ropeTables(c, input.positions);
  const present: LayerKV[] = [];
  const recompute = input.checkpoint && !input.frozen;
  for (let i = 0; i < c.num_hidden_layers; i++) {
    x = recompute ? checkpointedBlock(model, i, x, input, rope, present) : block(model, i, x, input, rope, present); // [B, T, C]
  }
  if (input.lastOnly) x = tf.slice(x, [0, T - 1, 0], [B, 1, c.hidden_size]); // [B, 1, C]
  x = gpt2
    ? layerNorm(x, p['transformer.ln_f.weight'], p['transformer.ln_f.bias'], c.layer_norm_epsilon)
    : rmsNorm(x, p['model.norm.weight'], c.rms_norm_eps);
  const head = c.tie_word_embeddings ? table : p['lm_head.weight']; // [V, C]
  const Tout = x.shape[1];
  const headName = c.tie_word_embeddings ? (gpt2 ? 'transformer.wte.weight' : 'model.embed_tokens.weight') : 'lm_head.weight';
  const logits = linear(tf.reshape(x, [B * Tout, c.hidden_size]), head, undefined, input.frozen, adaptersOf(model, [headName])); // [B*T, V]
  return { logits: tf.reshape(logits, [B, Tout, c.vocab_size]), present };
}

type Rope = { cos: tf.Tensor4D; sin: tf.Tensor4D };

function block(model: Model, i: number, x: tf.Tensor3D, input: TransformerInput, rope: Rope | undefined, present: LayerKV[]): tf.Tensor3D {
  return model.config.model_type === 'gpt2' ? gpt2Block(model.config, model.params, i, x, input, present) : llamaBlock(model, i, x, input, rope!, present);
}

/**
 * Layer i through checkpoint.ts: the tape keeps its input, past keys and values, bias and rope tables, and
 * the backward pass reruns the layer. Gradients go to those inputs and to the layer's trained tensors: the
 * adapters (LoRA), else its weights that are computed (gpt2's W + B·A) or trainable variables.
 */
function checkpointedBlock(model: Model, i: number, x: tf.Tensor3D, input: TransformerInput, rope: Rope | undefined, present: LayerKV[]): tf.Tensor3D {
  const layer = model.config.model_type === 'gpt2' ? `transformer.h.${i}.` : `model.layers.${i}.`;
  const adapterNames = Object.keys(model.adapters ?? {}).filter((n) => n.startsWith(layer));
  const paramNames = model.adapters ? [] : Object.keys(model.params).filter((n) => n.startsWith(layer) && (!(model.params[n] instanceof tf.Variable) || model.params[n].trainable));
  const adapterTensors = adapterNames.flatMap((n) => [model.adapters![n].A, model.adapters![n].B]);
  const past = input.past?.[i];
  const pastTensors = past ? [past.k, past.v] : [];
  const constants = rope ? [input.bias, rope.cos, rope.sin] : [input.bias];
  const [y, k, v] = checkpointed((ins, cs) => {
    const [xi, ...rest] = ins;
    const kv = past ? rest.splice(0, 2) : [];
    const params = { ...model.params };
    paramNames.forEach((n, j) => { params[n] = rest[j] as tf.Variable; }); // the same variables, or saved copies of computed weights
    const adapters = model.adapters && { ...model.adapters };
    adapterNames.forEach((n, j) => { adapters![n] = { ...adapters![n], A: rest[paramNames.length + 2 * j], B: rest[paramNames.length + 2 * j + 1] }; });
    const layerPast: LayerKV[] = [];
    if (past) layerPast[i] = { k: kv[0] as tf.Tensor4D, v: kv[1] as tf.Tensor4D };
    const out: LayerKV[] = [];
    const y = block({ config: model.config, params, adapters }, i, xi as tf.Tensor3D, { ...input, bias: cs[0] as tf.Tensor4D, past: layerPast },
      rope && { cos: cs[1] as tf.Tensor4D, sin: cs[2] as tf.Tensor4D }, out);
    return [y, out[0].k, out[0].v];
  }, [x, ...pastTensors, ...paramNames.map((n) => model.params[n]), ...adapterTensors], constants);
  present.push({ k: k as tf.Tensor4D, v: v as tf.Tensor4D });
  return y as tf.Tensor3D;
}

/** The adapters of these weights when the model has any (LoRA), one entry per weight; else undefined. */
function adaptersOf(model: Model, names: string[]): (LinearAdapter | undefined)[] | undefined {
  return model.adapters && names.map((n) => model.adapters![n]);
}

function llamaBlock(model: Model, i: number, x: tf.Tensor3D, input: TransformerInput, rope: Rope, present: LayerKV[]): tf.Tensor3D {
  const c = model.config;
  const p = model.params;
  const [B, T, C] = x.shape;
  const nH = c.num_attention_heads;
  const nKv = c.num_key_value_heads;
  const D = C / nH;
  const pre = `model.layers.${i}`;
  const h = tf.reshape(rmsNorm(x, p[`${pre}.input_layernorm.weight`], c.rms_norm_eps), [B * T, C]); // [B*T, C]
  const attn = (name: string): string => `${pre}.self_attn.${name}_proj`;
  const qkvNames = ['q', 'k', 'v'].map((n) => `${attn(n)}.weight`);
  const qkv = linear(h, qkvNames.map((n) => p[n]), ['q', 'k', 'v'].map((n) => p[`${attn(n)}.bias`]), input.frozen, adaptersOf(model, qkvNames)); // [B*T, (nH+2nKv)*D]
  const heads = tf.transpose(tf.reshape(qkv, [B, T, nH + 2 * nKv, D]), [0, 2, 1, 3]); // [B, nH+2nKv, T, D]
  const [qk, v] = splitAxis(heads, [nH + nKv, nKv], 1) as tf.Tensor4D[]; // [B, nH+nKv, T, D], [B, nKv, T, D]
  const [q, k] = splitAxis(applyRope(qk, rope), [nH, nKv], 1) as tf.Tensor4D[]; // [B, nH, T, D], [B, nKv, T, D]
  const y = attention(q, k, v, i, input, present, nKv); // [B*T, C]
  const o = linear(y, p[`${pre}.self_attn.o_proj.weight`], p[`${pre}.self_attn.o_proj.bias`], input.frozen, adaptersOf(model, [`${pre}.self_attn.o_proj.weight`])); // [B*T, C]
  const x1 = tf.add(x, tf.reshape(o, [B, T, C])); // [B, T, C]
  const h2 = tf.reshape(rmsNorm(x1, p[`${pre}.post_attention_layernorm.weight`], c.rms_norm_eps), [B * T, C]); // [B*T, C]
  const gateUpNames = [`${pre}.mlp.gate_proj.weight`, `${pre}.mlp.up_proj.weight`];
  const gateUp = linear(h2, gateUpNames.map((n) => p[n]), undefined, input.frozen, adaptersOf(model, gateUpNames)); // [B*T, 2I]
  const [gate, up] = splitAxis(gateUp, [c.intermediate_size, c.intermediate_size], 1); // [B*T, I] each
  const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up); // [B*T, I] SwiGLU: silu(gate) * up
  const down = linear(act, p[`${pre}.mlp.down_proj.weight`], undefined, input.frozen, adaptersOf(model, [`${pre}.mlp.down_proj.weight`])); // [B*T, C]
  return tf.add(x1, tf.reshape(down, [B, T, C]));
}

function gpt2Block(c: ModelConfig, p: Params, i: number, x: tf.Tensor3D, input: TransformerInput, present: LayerKV[]): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const nH = c.num_attention_heads;
  const D = C / nH;
  const pre = `transformer.h.${i}`;
  const h = tf.reshape(layerNorm(x, p[`${pre}.ln_1.weight`], p[`${pre}.ln_1.bias`], c.layer_norm_epsilon), [B * T, C]); // [B*T, C]
  const qkv = tf.add(matMul2d(h, p[`${pre}.attn.c_attn.weight`] as tf.Tensor2D), p[`${pre}.attn.c_attn.bias`]); // [B*T, 3C] Conv1D
  const heads = splitAxis(qkv, [C, C, C], 1).map((t) => tf.transpose(tf.reshape(t, [B, T, nH, D]), [0, 2, 1, 3]) as tf.Tensor4D); // 3 x [B, nH, T, D]
  const y = attention(heads[0], heads[1], heads[2], i, input, present, nH); // [B*T, C]
  const o = tf.add(matMul2d(y, p[`${pre}.attn.c_proj.weight`] as tf.Tensor2D), p[`${pre}.attn.c_proj.bias`]); // [B*T, C]
  const x1 = tf.add(x, tf.reshape(o, [B, T, C])); // [B, T, C]
  const h2 = tf.reshape(layerNorm(x1, p[`${pre}.ln_2.weight`], p[`${pre}.ln_2.bias`], c.layer_norm_epsilon), [B * T, C]); // [B*T, C]
  const fc = geluNew(tf.add(matMul2d(h2, p[`${pre}.mlp.c_fc.weight`] as tf.Tensor2D), p[`${pre}.mlp.c_fc.bias`])); // [B*T, I]
  const down = tf.add(matMul2d(fc, p[`${pre}.mlp.c_proj.weight`] as tf.Tensor2D), p[`${pre}.mlp.c_proj.bias`]); // [B*T, C]
  return tf.add(x1, tf.reshape(down, [B, T, C]));
}

/**
 * Scaled dot-product attention with grouped kv heads: the nH/nKv query heads that share a kv head are
 * folded into the row axis, which equals HF's repeat_kv without copying K and V.
 */
function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, layer: number, input: TransformerInput,
  present: LayerKV[], nKv: number): tf.Tensor2D {
  const [B, nH, T, D] = q.shape;
  const past = input.past?.[layer];
  const K = past ? tf.concat([past.k, k], 2) : k; // [B, nKv, S, D]
  const V = past ? tf.concat([past.v, v], 2) : v; // [B, nKv, S, D]
  present.push({ k: K, v: V });
  const shared = input.shared;
  if (shared) {
    const y = attendSharedPrefix(tf.reshape(q, [B, nKv, nH / nKv, D]), K, V, shared.layers[layer], shared.bias); // [B, nKv, rep, D]
    return tf.reshape(y, [B * T, nH * D]); // T = 1: [B, nH, 1, D] is already [B, 1, nH, D]
  }
  const rep = nH / nKv;
  const qg = tf.reshape(tf.mul(q, 1 / Math.sqrt(D)), [B, nKv, rep * T, D]); // [B, nKv, rep*T, D]
  const y = tf.reshape(attendGroups(qg, K, V, input.bias, rep), [B, nH, T, D]); // [B, nH, T, D]
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, nH * D]); // [B*T, C]
}

/** HF LlamaRotaryEmbedding: inv_freq = theta^(-2i/D), emb = cat(freqs, freqs). */
function ropeTables(c: ModelConfig, positions: tf.Tensor2D): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const D = c.hidden_size / c.num_attention_heads;
  const invFreq = new Float32Array(D / 2);
  for (let i = 0; i < D / 2; i++) invFreq[i] = 1 / Math.pow(c.rope_theta, (2 * i) / D);
  const freqs = tf.mul(tf.expandDims(tf.cast(positions, 'float32'), 2), tf.tensor1d(invFreq)); // [B, T, D/2]
  const emb = tf.expandDims(tf.concat([freqs, freqs], 2), 1); // [B, 1, T, D]
  return { cos: tf.cos(emb) as tf.Tensor4D, sin: tf.sin(emb) as tf.Tensor4D };
}

/** x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1) (HF convention, not interleaved). */
function applyRope(x: tf.Tensor4D, rope: { cos: tf.Tensor4D; sin: tf.Tensor4D }): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = splitAxis(x, [half, half], 3); // 2 x [B, H, T, D/2]
  const rotated = concatAxis([tf.neg(x2), x1], 3); // [B, H, T, D]
  return tf.add(tf.mul(x, rope.cos), tf.mul(rotated, rope.sin));
}

function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor, eps: number): T {
  const inv = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)); // [B, T, 1]
  return tf.mul(tf.mul(x, inv), weight);
}

function layerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor, bias: tf.Tensor, eps: number): T {
  const { mean, variance } = tf.moments(x, -1, true); // [B, T, 1] each
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), weight), bias);
}

/** GPT-2's tanh approximation of GELU (HF NewGELUActivation). */
function geluNew(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(tf.square(x), x)))); // [N, I]
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/**
 * Row lookup whose gradient is a one-hot matmul instead of UnsortedSegmentSum,
 * which the wasm backend does not register.
 */
const gatherRows = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [table, ids, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([ids]);
  return {
    value: tf.gather(table, ids), // [N, C]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const oneHot = tf.oneHot(saved[0] as tf.Tensor1D, table.shape[0]); // [N, V]
      return [tf.matMul(tf.transpose(oneHot), dy as tf.Tensor2D), tf.zerosLike(saved[0])]; // [V, C]
    },
  };
});

function embed(table: tf.Tensor, ids: tf.Tensor2D): tf.Tensor3D {
  const [B, T] = ids.shape;
  const rows = gatherRows(table, tf.reshape(ids, [B * T])); // [B*T, C]
  return tf.reshape(rows, [B, T, table.shape[1] as number]);
}
