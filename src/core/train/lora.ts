// LoRA adapters (Hu et al. 2021) over a model's Linear weights: W_eff = W + (alpha/r)·B·A, B zero at init.
// Effective weights are computed inside the caller's gradient scope and handed to the unchanged forward
// pass as a params record; merging bakes them into plain weights for export. No optimizer, no files.
import { tf } from '../runtime/tf.ts';
import { parseSafetensors, serializeSafetensors } from '../runtime/safetensors.ts';
import { createRng } from '../rng.ts';
import type { ModelConfig } from '../model/config.ts';
import type { Model, Params } from '../model/params.ts';
import type { ParamMap } from './optimizer.ts';

export interface LoraConfig {
  /** Rank r of the update, >= 1. */
  rank: number;
  /** Scale numerator: the update is (alpha / rank)·B·A. */
  alpha: number;
  /** Weight-name parts that select target matrices, e.g. 'q_proj' matches `...self_attn.q_proj.weight`. */
  targets: string[];
}

/** One adapted matrix: A [r, in] (random), B [out, r] (zeros), both trainable. */
export interface LoraPair {
  A: tf.Variable;
  B: tf.Variable;
  /** gpt2's Conv1D stores W as [in, out], so its update is (B·A)ᵀ. */
  transposed: boolean;
}

export interface LoraAdapters {
  config: LoraConfig;
  /** Keyed by the base weight's HF name. */
  pairs: Record<string, LoraPair>;
}

/** The matrices `targets` selects: rank-2 `.weight` tensors whose name contains `.<target>.`. */
export function loraTargetNames(params: Params, targets: string[]): string[] {
  return Object.keys(params).filter((name) =>
    name.endsWith('.weight') && params[name].rank === 2 && targets.some((t) => name.includes(`.${t}.`)));
}

/**
 * Adapters for every target matrix: A ~ U(−1/√in, 1/√in) (PEFT's kaiming-uniform bound with a = √5),
 * B = 0, so the adapted model starts exactly equal to the base. Seeded.
 */
export function createLora(model: Model, config: LoraConfig, seed: number): LoraAdapters {
  const names = loraTargetNames(model.params, config.targets);
  if (names.length === 0) throw new Error(`lora: no weight matches targets ${JSON.stringify(config.targets)}`);
  const rng = createRng(seed);
  const transposed = model.config.model_type === 'gpt2';
  const pairs: Record<string, LoraPair> = {};
  for (const name of names) {
    const [rows, cols] = model.params[name].shape;
    const [out, inp] = transposed ? [cols, rows] : [rows, cols];
    const bound = 1 / Math.sqrt(inp);
    const a = Float32Array.from({ length: config.rank * inp }, () => (2 * rng.next() - 1) * bound);
    pairs[name] = {
      A: tf.tidy(() => tf.variable(tf.tensor2d(a, [config.rank, inp]), true)),
      B: tf.tidy(() => tf.variable(tf.zeros([out, config.rank]), true)),
      transposed,
    };
  }
  return { config: { ...config, targets: [...config.targets] }, pairs };
}

/** The adapters as a flat trainable map, PEFT's names: `<base without .weight>.lora_A.weight`. */
export function loraParams(lora: LoraAdapters): ParamMap {
  const out: ParamMap = {};
  for (const [name, p] of Object.entries(lora.pairs)) {
    const stem = name.slice(0, -'.weight'.length);
    out[`${stem}.lora_A.weight`] = p.A;
    out[`${stem}.lora_B.weight`] = p.B;
  }
  return out;
}

/** (alpha/r)·B·A in the base weight's layout. Caller owns the result. */
function delta(lora: LoraAdapters, p: LoraPair): tf.Tensor2D {
  const d = tf.mul(tf.matMul(p.B, p.A), lora.config.alpha / lora.config.rank) as tf.Tensor2D; // [out, in]
  return p.transposed ? tf.transpose(d) : d;
}

/**
 * Base weights with adapted matrices replaced by W + (alpha/r)·B·A; call inside the gradient scope so the
 * adapters receive gradients. The forward pass reads weights through `Params` (tf.Variable); it only uses
 * them as tensors, so this record of tensors is cast to Params here, the one place that does so.
 */
export function adaptedParams(base: Params, lora: LoraAdapters): Params {
  const out: Record<string, tf.Tensor> = { ...base };
  for (const [name, p] of Object.entries(lora.pairs)) out[name] = tf.add(base[name], delta(lora, p));
  return out as unknown as Params;
}

/**
 * The adapted model as a Model for forward/tokenLogProbs. llama/qwen2: the base weights with the adapters
 * beside them (matmul.ts linear: the base stays frozen and cached, no step copies a weight); gpt2 (Conv1D
 * layout) and an adapted embedding: W + (alpha/r)·B·A computed here (tensors live in the caller's tidy scope).
 */
export function adaptedModel(base: Model, lora: LoraAdapters): Model {
  const names = Object.keys(lora.pairs);
  const embedding = (n: string): boolean => n === 'model.embed_tokens.weight' || n === 'transformer.wte.weight' || n === 'transformer.wpe.weight';
  if (base.config.model_type === 'gpt2' || names.some(embedding)) return { config: base.config, params: adaptedParams(base.params, lora) };
  const scale = lora.config.alpha / lora.config.rank;
  return { config: base.config, params: base.params, adapters: Object.fromEntries(Object.entries(lora.pairs).map(([n, p]) => [n, { A: p.A, B: p.B, scale }])) };
}

/** New variables holding W + (alpha/r)·B·A for export; the base and adapters are left unchanged. */
export function mergeLora(base: Model, lora: LoraAdapters): Model {
  const params: Params = {};
  for (const [name, w] of Object.entries(base.params)) {
    const p = lora.pairs[name];
    params[name] = tf.tidy(() => tf.variable(p ? tf.add(w, delta(lora, p)) : tf.clone(w), false));
  }
  return { config: base.config as ModelConfig, params };
}

export function disposeLora(lora: LoraAdapters): void {
  for (const p of Object.values(lora.pairs)) {
    p.A.dispose();
    p.B.dispose();
  }
  lora.pairs = {};
}

export const ADAPTER_FILE = 'adapter_model.safetensors';

/** The adapters as PEFT-named safetensors bytes, with rank/alpha/targets in the metadata. */
export async function serializeLora(lora: LoraAdapters): Promise<Uint8Array> {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, v] of Object.entries(loraParams(lora))) tensors[name] = { shape: v.shape, data: (await v.data()) as Float32Array };
  return serializeSafetensors(tensors, { format: 'pt', lora: JSON.stringify(lora.config) });
}

/** Loads adapter values saved by serializeLora into `lora` (same targets and rank). */
export function restoreLora(lora: LoraAdapters, bytes: Uint8Array): void {
  const saved = parseSafetensors(bytes, ADAPTER_FILE);
  for (const [name, v] of Object.entries(loraParams(lora))) {
    const t = saved[name];
    if (!t) throw new Error(`${ADAPTER_FILE}: missing ${name}`);
    if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`${ADAPTER_FILE}: ${name} has shape [${t.shape}], the adapter has [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(t.data, v.shape, 'float32')));
  }
}
