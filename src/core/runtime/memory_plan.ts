// The memory plan: which tensors a model needs for a task on a backend, in what precision, and whether
// that fits the backend's hard limit; a refusal up front (why, and what would fit) instead of an
// out-of-memory crash halfway. Estimates only (bench/README.md compares them with measured peaks).
import type { ModelConfig } from '../model/config.ts';
import { countParams } from '../model/params.ts';

/** tfjs-backend-wasm's heap ceiling: wasm32 addresses 4 GiB, Emscripten's getHeapMax() is 4 GiB − 64 KiB. */
export const WASM_HEAP_LIMIT_BYTES = 4294901760;
const F32 = 4;
/**
 * Share of the heap a plan may fill: the rest is left to the allocator's fragmentation and XNNPACK's
 * workspace. SmolLM2-135M's LoRA DPO step at 128 tokens ran out of memory in XNNPACK
 * (xnn_create_fully_connected_nc_f32 status 6) with the heap at 4 GiB.
 */
const USABLE_SHARE = 0.9;
const GIB = 2 ** 30;

/** What the model is loaded for: weights only, decoding with the KV cache, or a LoRA DPO step. */
export interface MemoryTask {
  kind: 'load' | 'forward' | 'lora-dpo';
  /** Tokens per sequence (forward: prompt + new tokens; DPO: prompt + completion). */
  seqLen: number;
  /** Sequences (forward) or pairs (DPO: two rows each). */
  batch: number;
  /** LoRA targets (weight-name parts); default q_proj, v_proj as the DPO config does. */
  loraTargets?: string[];
}

export interface MemoryPlan {
  backend: string;
  task: MemoryTask;
  params: number;
  /** One line per kind of tensor: float32 bytes, and what it is. */
  items: { name: string; bytes: number; what: string }[];
  totalBytes: number;
  /** The backend's hard limit (undefined: none known, e.g. cpu's JavaScript heap grows with the machine). */
  limitBytes?: number;
  fits: boolean;
}

/** Raised before anything is allocated when a plan does not fit; the message says why and what would fit. */
export class MemoryPlanError extends Error {
  constructor(message: string, readonly plan: MemoryPlan) {
    super(message);
  }
}

export function backendMemoryLimit(backend: string): number | undefined {
  return backend === 'wasm' ? WASM_HEAP_LIMIT_BYTES : undefined;
}

function linearWeightCount(c: ModelConfig, match: (name: string) => boolean): number {
  return countParams(c, (name, shape) => shape.length === 2 && match(name));
}

/**
 * Float32 everywhere (F16/BF16 checkpoints are widened on load). Weights; for decoding, the transposed
 * copy matmul.ts caches of every frozen weight, XNNPACK's packed copy of each (measured: SmolLM2-135M's
 * heap is 1.8 GB after decoding, 3.4x its weights) and the KV cache; for a LoRA DPO step on llama/qwen2
 * (the base frozen beside the adapters, matmul.ts linear) the same transposed copy, XNNPACK's packed copies
 * of it and of each weight (the backward's product), the activations the backward pass keeps (per layer,
 * row and token about 4·(12·C + 4·I + 2·heads·T) floats, measured) and the logits with their log-softmax and
 * gradient; on gpt2 (W + B·A computed per step) seven copies of every weight and the effective weights.
 */
export function planMemory(c: ModelConfig, task: MemoryTask, backend: string): MemoryPlan {
  const P = countParams(c);
  const [C, I, L, V, T] = [c.hidden_size, c.intermediate_size, c.num_hidden_layers, c.vocab_size, task.seqLen]; // shapes of the estimate
  const headDim = C / c.num_attention_heads;
  const items: MemoryPlan['items'] = [{ name: 'weights', bytes: P * F32, what: `${P} parameters, float32` }];
  // Every 2D weight, the embedding included (it is the lm head when tied, and untied it has its own).
  const linear = linearWeightCount(c, (n) => !n.endsWith('embed_tokens.weight') || c.tie_word_embeddings) * F32;
  if (task.kind === 'forward') {
    items.push({ name: 'transposed weights', bytes: linear, what: 'matmul.ts\'s cached transposed copy of each frozen weight' });
    items.push({ name: 'packed weights', bytes: linear, what: 'XNNPACK\'s packed copy of each cached weight' });
    items.push({ name: 'kv cache', bytes: 2 * L * c.num_key_value_heads * headDim * T * task.batch * F32, what: `keys and values, ${L} layers × ${T} tokens × ${task.batch} rows` });
    items.push({ name: 'logits', bytes: 2 * task.batch * T * V * F32, what: 'prefill logits and their log-softmax' });
  }
  if (task.kind === 'lora-dpo') {
    const targets = task.loraTargets ?? ['q_proj', 'v_proj'];
    const adapted = linearWeightCount(c, (n) => targets.some((t) => n.includes(`.${t}.`)));
    const rows = 2 * task.batch;
    if (c.model_type === 'gpt2') {
      // Calibrated before the frozen base (matmul.ts): SmolLM2-135M's shape cut to 4 and 8 layers, a step at 64
      // tokens with W + B·A per step, grew the heap to 1.85 and 2.49 GiB: about 7 copies of every weight.
      items.push({ name: 'weight copies', bytes: 7 * linear, what: 'per step, held by the tape: each weight concatenated and transposed for the forward and back for the backward, and XNNPACK\'s packed copies' });
      items.push({ name: 'adapted weights', bytes: 2 * adapted * F32, what: `W + B·A of the ${targets.join(', ')} weights and their gradient` });
    } else {
      // Calibrated on SmolLM2-135M's shape at 4, 8, 16 and 30 layers and 64-256 tokens (bench/README.md): the heap
      // after the reference pass and one step is within 5% of this plan.
      items.push({ name: 'transposed weights', bytes: linear, what: 'matmul.ts\'s cached transposed copy of each frozen weight, made by the reference pass and used by the step' });
      items.push({ name: 'packed weights', bytes: 2 * linear, what: 'XNNPACK\'s packed copies of each transposed weight (forward) and of each weight (backward)' });
    }
    items.push({ name: 'activations', bytes: 4 * L * rows * T * (12 * C + 4 * I + 2 * c.num_attention_heads * T) * F32, what: `kept for the backward pass: ${L} layers × ${rows} rows × ${T} tokens` });
    items.push({ name: 'logits', bytes: 3 * rows * T * V * F32, what: 'logits, log-softmax and their gradient' });
  }
  const totalBytes = items.reduce((a, b) => a + b.bytes, 0);
  const limitBytes = backendMemoryLimit(backend);
  return { backend, task, params: P, items, totalBytes, limitBytes, fits: limitBytes === undefined || totalBytes <= USABLE_SHARE * limitBytes };
}

const gib = (b: number): string => `${(b / GIB).toFixed(2)} GiB`;

/** The longest sequence (powers of two down from seqLen) at which the task fits, or 0. */
function longestFitting(c: ModelConfig, task: MemoryTask, backend: string): number {
  for (let T = task.seqLen >> 1; T >= 16; T >>= 1) if (planMemory(c, { ...task, seqLen: T }, backend).fits) return T;
  return 0;
}

function describeTask(t: MemoryTask): string {
  if (t.kind === 'load') return 'loading';
  return t.kind === 'forward' ? `decoding ${t.seqLen} tokens × ${t.batch}` : `a LoRA DPO step at ${t.seqLen} tokens × ${t.batch} pair(s)`;
}

/** Throws MemoryPlanError when `name` cannot run `task` on `backend`; returns the plan when it can. */
export function refuseIfTooLarge(c: ModelConfig, task: MemoryTask, backend: string, name = 'this model'): MemoryPlan {
  const plan = planMemory(c, task, backend);
  if (plan.fits) return plan;
  const parts = plan.items.map((i) => `${i.name} ${gib(i.bytes)}`).join(' + ');
  const T = task.kind === 'load' ? 0 : longestFitting(c, task, backend);
  const decodes = task.kind === 'lora-dpo' && planMemory(c, { kind: 'forward', seqLen: task.seqLen, batch: 1 }, backend).fits;
  const smaller = `a model of at most about ${Math.floor((plan.params * USABLE_SHARE * plan.limitBytes!) / plan.totalBytes / 1e6)}M parameters fits this task`;
  const fitsInstead = T > 0 ? `the same at ${T} tokens fits` : decodes ? `decoding fits; ${smaller}` : smaller;
  throw new MemoryPlanError(
    `${name} (${(plan.params / 1e6).toFixed(1)}M parameters) needs about ${gib(plan.totalBytes)} for ${describeTask(task)} on ${backend} ` +
    `(${parts}), over ${Math.round(USABLE_SHARE * 100)}% of the ${gib(plan.limitBytes!)} heap limit of wasm32; ${fitsInstead}, or the cpu backend (no fixed heap limit).`,
    plan,
  );
}
