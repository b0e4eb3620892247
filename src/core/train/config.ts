// Training configuration: frozen defaults, merging with overrides, validation naming the bad field.
// Plain JSON only (crosses the worker boundary, saved with every checkpoint); no file or env access.

/** Optimizer, schedule and loop settings shared by every trainer (SFT here, DPO reuses them). */
export interface TrainLoopConfig {
  /** Peak learning rate after warmup, > 0. */
  lr: number;
  /** Final learning rate of the cosine decay as a fraction of `lr`, in [0, 1]. */
  lrMinRatio: number;
  /** Optimizer steps of linear warmup from lr/warmupSteps up to lr, >= 0. */
  warmupSteps: number;
  /** Total optimizer steps of the run (the schedule's length), >= 1. */
  steps: number;
  /** Sequences (SFT) or pairs (DPO) per micro-batch, >= 1. */
  batchSize: number;
  /** Micro-batches accumulated into one optimizer step, >= 1. */
  gradAccumSteps: number;
  /** AdamW decoupled weight decay, >= 0; applied to parameters of rank >= 2 only (nanoGPT rule). */
  weightDecay: number;
  /** AdamW first-moment decay, in [0, 1). */
  beta1: number;
  /** AdamW second-moment decay, in [0, 1). */
  beta2: number;
  /** AdamW denominator epsilon, > 0. */
  eps: number;
  /** Clip the global gradient L2 norm to this value; 0 disables clipping. */
  maxGradNorm: number;
  /** Seed of the data order (each epoch's shuffle derives from it). */
  seed: number;
  /** Save a checkpoint every this many optimizer steps (and always at the end); 0 = only at the end. */
  checkpointEvery: number;
  /**
   * Activation checkpointing (model/checkpoint.ts): keep only each decoder layer's inputs for the backward pass
   * and recompute the layer there: a step's activations shrink about L-fold for one more forward pass (~1/3 more
   * time). 'auto' (default): on only when the memory plan says the step does not fit the backend without it
   * (runtime/memory_plan.ts; so never for tiny models or on cpu).
   */
  gradientCheckpointing: 'auto' | 'on' | 'off';
}

/** SFT settings: the shared loop plus how sequences are built. */
export interface SftConfig extends TrainLoopConfig {
  /** Maximum tokens per sequence (longer samples are truncated at the end), >= 2. */
  seqLen: number;
  /** Which tokens carry loss: assistant output only (tool calls and answers) or every token. */
  trainOn: 'assistant' | 'all';
  /** Group samples of similar length into the same batch (less padding); order stays seeded. */
  bucketByLength: boolean;
}

export const DEFAULT_TRAIN_LOOP_CONFIG: Readonly<TrainLoopConfig> = Object.freeze({
  lr: 1e-3,
  lrMinRatio: 0.1,
  warmupSteps: 20,
  steps: 200,
  batchSize: 8,
  gradAccumSteps: 1,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  maxGradNorm: 1.0,
  seed: 0,
  checkpointEvery: 100,
  gradientCheckpointing: 'auto' as const,
});

export const DEFAULT_SFT_CONFIG: Readonly<SftConfig> = Object.freeze({
  ...DEFAULT_TRAIN_LOOP_CONFIG,
  seqLen: 256,
  trainOn: 'assistant',
  bucketByLength: false,
});

type Check = [keyof SftConfig, (v: number) => boolean, string];
const LOOP_CHECKS: Check[] = [
  ['lr', (v) => v > 0, 'must be > 0'],
  ['lrMinRatio', (v) => v >= 0 && v <= 1, 'must be in [0, 1]'],
  ['warmupSteps', (v) => Number.isInteger(v) && v >= 0, 'must be an integer >= 0'],
  ['steps', (v) => Number.isInteger(v) && v >= 1, 'must be an integer >= 1'],
  ['batchSize', (v) => Number.isInteger(v) && v >= 1, 'must be an integer >= 1'],
  ['gradAccumSteps', (v) => Number.isInteger(v) && v >= 1, 'must be an integer >= 1'],
  ['weightDecay', (v) => v >= 0, 'must be >= 0'],
  ['beta1', (v) => v >= 0 && v < 1, 'must be in [0, 1)'],
  ['beta2', (v) => v >= 0 && v < 1, 'must be in [0, 1)'],
  ['eps', (v) => v > 0, 'must be > 0'],
  ['maxGradNorm', (v) => v >= 0, 'must be >= 0'],
  ['seed', (v) => Number.isInteger(v), 'must be an integer'],
  ['checkpointEvery', (v) => Number.isInteger(v) && v >= 0, 'must be an integer >= 0'],
];

/**
 * Merges `overrides` onto `base` and validates the shared loop fields; `scope` prefixes errors
 * (`sft.lr must be > 0, got -1`). Unknown fields are rejected so typos do not pass silently.
 */
export function resolveTrainLoop<C extends TrainLoopConfig>(scope: string, base: Readonly<C>, overrides: Partial<C>): C {
  for (const key of Object.keys(overrides)) {
    if (!(key in base)) throw new Error(`${scope}.${key} is not a known setting`);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const cfg = { ...base, ...defined } as C;
  checkNumbers(scope, cfg as unknown as Record<string, unknown>, LOOP_CHECKS);
  if (!['auto', 'on', 'off'].includes(cfg.gradientCheckpointing)) {
    throw new Error(`${scope}.gradientCheckpointing must be 'auto', 'on' or 'off', got ${JSON.stringify(cfg.gradientCheckpointing)}`);
  }
  return cfg;
}

export function resolveSftConfig(overrides: Partial<SftConfig> = {}): SftConfig {
  const cfg = resolveTrainLoop('sft', DEFAULT_SFT_CONFIG, overrides);
  checkNumbers('sft', cfg as unknown as Record<string, unknown>, [
    ['seqLen', (v) => Number.isInteger(v) && v >= 2, 'must be an integer >= 2'],
  ]);
  if (cfg.trainOn !== 'assistant' && cfg.trainOn !== 'all') {
    throw new Error(`sft.trainOn must be 'assistant' or 'all', got ${JSON.stringify(cfg.trainOn)}`);
  }
  if (typeof cfg.bucketByLength !== 'boolean') {
    throw new Error(`sft.bucketByLength must be a boolean, got ${JSON.stringify(cfg.bucketByLength)}`);
  }
  return cfg;
}

function checkNumbers(scope: string, cfg: Record<string, unknown>, checks: Check[]): void {
  for (const [key, ok, rule] of checks) {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new Error(`${scope}.${key} ${rule}, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
    }
  }
}
