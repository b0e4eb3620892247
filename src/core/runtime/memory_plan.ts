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

/**
 * What the model is loaded for: weights only, decoding with the KV cache, or one training step: LoRA DPO,
 * DPO of every weight, or SFT (micro-batch `batch`).
 */
export interface MemoryTask {
  kind: 'load' | 'forward' | 'lora-dpo' | 'dpo' | 'sft';
  /** Tokens per sequence (forward: prompt + new tokens; DPO: prompt + completion; SFT: the sequence). */
  seqLen: number;
  /** Sequences (forward, SFT) or pairs (DPO: two rows each). */
  batch: number;
  /**
   * DPO with an SFT anchor (train/anchor.ts), or SFT with one (the loop's RFT with loop.rftAnchor): the ground-truth
   * sequences each micro-batch also trains, at the same seqLen and on the same gradient tape as the pairs (items):
   * batch × anchor samples per pair or item (dpo.anchorPerPair, auto ceil(anchor samples / pairs)); default 0.
   */
  anchorRows?: number;
  /** LoRA targets (weight-name parts); default q_proj, v_proj as the DPO config does. */
  loraTargets?: string[];
  /** Training: each layer recomputed in the backward pass (model/checkpoint.ts), only its inputs kept. */
  checkpointing?: boolean;
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

const isTraining = (t: MemoryTask): boolean => t.kind === 'lora-dpo' || t.kind === 'dpo' || t.kind === 'sft';

/**
 * Float32 everywhere (F16/BF16 checkpoints are widened on load). Weights; for decoding, the transposed
 * copy matmul.ts caches of every frozen weight, XNNPACK's packed copy of each (measured: SmolLM2-135M's
 * heap is 1.8 GB after decoding, 3.4x its weights) and the KV cache; for a LoRA DPO step on llama/qwen2
 * (the base frozen beside the adapters, matmul.ts linear) the same transposed copy, XNNPACK's packed copies
 * of it and of each weight (the backward's product); on gpt2 (W + B·A computed per step) seven copies of every
 * weight and the effective weights; for full DPO and SFT the gradient, AdamW's two moments and those seven
 * copies (not measured: the gpt2 LoRA figure, whose step copies every weight the same way). Then the training
 * step's activations (trainingActivations) and the logits with their log-softmax and gradient.
 */
export function planMemory(c: ModelConfig, task: MemoryTask, backend: string): MemoryPlan {
  const P = countParams(c);
  const [L, V, T] = [c.num_hidden_layers, c.vocab_size, task.seqLen]; // shapes of the estimate
  const headDim = c.hidden_size / c.num_attention_heads;
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
  }
  if (task.kind === 'dpo' || task.kind === 'sft') {
    items.push({ name: 'gradient and moments', bytes: 3 * P * F32, what: 'the gradient of every weight and AdamW\'s two moments' });
    items.push({ name: 'weight copies', bytes: 7 * linear, what: 'per step: each weight concatenated and transposed for the forward and back for the backward, and XNNPACK\'s packed copies' });
  }
  if (isTraining(task)) items.push(...trainingActivations(c, task));
  if (isTraining(task) && task.anchorRows) items.push(...anchorItems(c, task, linear));
  const totalBytes = items.reduce((a, b) => a + b.bytes, 0);
  const limitBytes = backendMemoryLimit(backend);
  return { backend, task, params: P, items, totalBytes, limitBytes, fits: limitBytes === undefined || totalBytes <= USABLE_SHARE * limitBytes };
}

/**
 * What an SFT anchor adds to a DPO or SFT step (train/anchor.ts; train/sft.ts's run.anchor): its sequences run
 * through the model in a forward of their own on the same tape. Each keeps its layers' activations as a pair's row
 * does (trainingActivations) and, unlike a pair, has logits at every position: about 10 [T, V] floats a row (logits,
 * log-softmax, one-hot, their products and gradients). A forward over trained weights (full DPO; gpt2's W + B·A) makes its own weight copies; llama's
 * LoRA base runs on the cached copies. Measured in Node on wasm, one thread, SmolLM2-135M's shape, one pair plus
 * anchor rows (heap after two steps): LoRA at 4 layers, 2 rows, 256 / 128 tokens 2.90 / 1.79 GiB (plan 2.93 / 1.71);
 * full DPO at 2 layers, 64 tokens, 1 row added 1.08 GiB, about 7 copies of every weight beside the row's 0.15; the
 * shipped model (models/default), full DPO at 512 tokens × 4 pairs: 3.08 GiB with 4 rows (plan 2.90), 1.19 with 8
 * rows and layers recomputed (plan 1.25).
 */
function anchorItems(c: ModelConfig, task: MemoryTask, linear: number): MemoryPlan['items'] {
  const [V, T, rows] = [c.vocab_size, task.seqLen, task.anchorRows ?? 0]; // shapes of the estimate
  const kept = (n: number): MemoryPlan['items'] => trainingActivations(c, { kind: 'sft', seqLen: T, batch: n, checkpointing: task.checkpointing });
  const pairs = kept(task.kind === 'sft' ? task.batch : 2 * task.batch);
  const items = kept(rows).flatMap((item, i) => {
    if (item.name === 'logits') return [];
    // Checkpointed, one layer is recomputed at a time over both forwards: only the anchor's excess over the pairs' counts.
    const bytes = item.name === 'one layer recomputed' ? Math.max(0, item.bytes - pairs[i].bytes) : item.bytes;
    return bytes > 0 ? [{ ...item, name: `anchor ${item.name}`, bytes }] : [];
  });
  items.push({ name: 'anchor logits', bytes: 10 * rows * T * V * F32, what: `the anchor's ${rows} sequences' logits at every position, log-softmax, one-hot and their gradients` });
  if (task.kind !== 'lora-dpo' || c.model_type === 'gpt2') {
    items.push({ name: 'anchor weight copies', bytes: 7 * linear, what: 'the anchor forward\'s own copies of each weight, as the pairs\' (weight copies)' });
  }
  return items;
}

/**
 * A training step's activations and logits (rows: sequences, two per DPO pair). What the backward pass keeps
 * per layer, row and token is about 4·(12·C + 4·I + 2·heads·T) floats (measured; the tape keeps every
 * elementwise intermediate of RMSNorm, RoPE, attention and SwiGLU). With checkpointing the tape keeps each
 * layer's input, keys and values and the layer's outputs until the forward ends (about 8·C floats a layer, row and
 * token in tf.memory), and the heap grew by about 22·C (the allocator cannot reuse the gaps between them), while
 * one layer's activations exist at a time. Fitted on SmolLM2-135M's shape at 4-30 layers and 64-256 tokens: the
 * heap after the reference pass and two steps is within 7% of the plan (bench/README.md).
 */
function trainingActivations(c: ModelConfig, task: MemoryTask): MemoryPlan['items'] {
  const [C, I, L, V, T] = [c.hidden_size, c.intermediate_size, c.num_hidden_layers, c.vocab_size, task.seqLen]; // shapes of the estimate
  const rows = task.kind === 'sft' ? task.batch : 2 * task.batch;
  const layerFloats = 4 * (12 * C + 4 * I + 2 * c.num_attention_heads * T); // per row and token
  const logits = { name: 'logits', bytes: 3 * rows * T * V * F32, what: 'logits, log-softmax and their gradient' };
  if (!task.checkpointing) {
    return [{ name: 'activations', bytes: L * rows * T * layerFloats * F32, what: `kept for the backward pass: ${L} layers × ${rows} rows × ${T} tokens` }, logits];
  }
  return [
    { name: 'layer inputs', bytes: 22 * C * L * rows * T * F32, what: `checkpointed: each layer's input, keys and values, ${L} layers × ${rows} rows × ${T} tokens` },
    { name: 'one layer recomputed', bytes: rows * T * layerFloats * F32, what: 'the activations of the layer the backward pass reruns' },
    logits,
  ];
}

const gib = (b: number): string => `${(b / GIB).toFixed(2)} GiB`;

/** The longest sequence (powers of two down from seqLen) at which the task fits, or 0. */
function longestFitting(c: ModelConfig, task: MemoryTask, backend: string): number {
  for (let T = task.seqLen >> 1; T >= 16; T >>= 1) if (planMemory(c, { ...task, seqLen: T }, backend).fits) return T;
  return 0;
}

/**
 * What to change so an anchored step fits, in settings one can make (anchor rows are batch × anchor samples per
 * pair, or per item in SFT): fewer samples per pair at this batch, else fewer pairs per micro-batch, else no anchor;
 * undefined if none fits. An anchored SFT step is the loop's RFT, whose batch and anchor are the DPO arms'.
 */
function anchorAdvice(c: ModelConfig, task: MemoryTask, backend: string): string | undefined {
  const fits = (batch: number, perPair: number): boolean => planMemory(c, { ...task, batch, anchorRows: batch * perPair }, backend).fits;
  const perPair = Math.ceil((task.anchorRows ?? 0) / task.batch);
  const item = task.kind === 'sft' ? 'item' : 'pair';
  for (let k = perPair - 1; k >= 1; k--) {
    if (fits(task.batch, k)) return `with ${k} anchor sample(s) per ${item} (dpo.anchorPerPair ${k}: ${k * task.batch} anchor sequence(s) per micro-batch) it fits`;
  }
  for (let b = task.batch - 1; b >= 1; b--) if (fits(b, perPair)) return `with dpo.batchSize ${b} (${b * perPair} anchor sequence(s) per micro-batch) it fits`;
  const off = task.kind === 'sft' ? 'loop.rftAnchor false' : 'dpo.anchorWeight 0';
  return fits(task.batch, 0) ? `without the SFT anchor (${off}) it fits` : undefined;
}

const TASK_NAMES: Record<MemoryTask['kind'], string> = { 'load': 'loading', 'forward': 'decoding', 'lora-dpo': 'a LoRA DPO step', 'dpo': 'a DPO step (all weights)', 'sft': 'an SFT step' };

function describeTask(t: MemoryTask): string {
  if (t.kind === 'load') return TASK_NAMES.load;
  if (t.kind === 'forward') return `decoding ${t.seqLen} tokens × ${t.batch}`;
  const unit = t.kind === 'sft' ? 'sequence(s)' : 'pair(s)';
  const anchor = t.anchorRows ? ` + ${t.anchorRows} SFT anchor sequence(s)` : '';
  return `${TASK_NAMES[t.kind]} at ${t.seqLen} tokens × ${t.batch} ${unit}${anchor}${t.checkpointing ? ' with gradient checkpointing' : ''}`;
}

/** Throws MemoryPlanError when `name` cannot run `task` on `backend`; returns the plan when it can. */
export function refuseIfTooLarge(c: ModelConfig, task: MemoryTask, backend: string, name = 'this model'): MemoryPlan {
  const plan = planMemory(c, task, backend);
  if (plan.fits) return plan;
  const parts = plan.items.map((i) => `${i.name} ${gib(i.bytes)}`).join(' + ');
  const T = task.kind === 'load' ? 0 : longestFitting(c, task, backend);
  const recomputes = isTraining(task) && !task.checkpointing && planMemory(c, { ...task, checkpointing: true }, backend).fits;
  const lora = task.kind === 'dpo' && planMemory(c, { ...task, kind: 'lora-dpo', checkpointing: true }, backend).fits;
  const decodes = isTraining(task) && planMemory(c, { kind: 'forward', seqLen: task.seqLen, batch: 1 }, backend).fits;
  const smaller = `a model of at most about ${Math.floor((plan.params * USABLE_SHARE * plan.limitBytes!) / plan.totalBytes / 1e6)}M parameters fits this task`;
  const setting = `${task.kind === 'sft' ? 'sft' : 'dpo'}.gradientCheckpointing`;
  const anchor = task.anchorRows ? anchorAdvice(c, task, backend) : undefined;
  const fitsInstead = recomputes ? `with gradient checkpointing (${setting} 'on' or 'auto') it fits`
    : anchor ?? (lora ? `LoRA adapters (dpo.adapter 'lora') fit` : T > 0 ? `the same at ${T} tokens fits` : decodes ? `decoding fits; ${smaller}` : smaller);
  throw new MemoryPlanError(
    `${name} (${(plan.params / 1e6).toFixed(1)}M parameters) needs about ${gib(plan.totalBytes)} for ${describeTask(task)} on ${backend} ` +
    `(${parts}), over ${Math.round(USABLE_SHARE * 100)}% of the ${gib(plan.limitBytes!)} heap limit of wasm32; ${fitsInstead}, or the cpu backend (no fixed heap limit).`,
    plan,
  );
}

/**
 * The plan of a training step, refused up front when it cannot fit (MemoryPlanError: why, and what fits), and
 * whether to recompute layers: `setting` 'on'/'off' as given, 'auto' only when the step does not fit without.
 */
export function planTrainingStep(c: ModelConfig, task: MemoryTask, backend: string, setting: 'auto' | 'on' | 'off', name?: string): { checkpointing: boolean; plan: MemoryPlan } {
  const checkpointing = setting === 'on' || (setting === 'auto' && !planMemory(c, { ...task, checkpointing: false }, backend).fits);
  return { checkpointing, plan: refuseIfTooLarge(c, { ...task, checkpointing }, backend, name) };
}
