// The divergence guard of every trainer: besides NaN/Inf (train_step.ts), a run stops when its loss,
// its KL to the reference (DPO) or its weight norm runs away, before a checkpoint of the bad weights
// is saved. It only measures and throws; saving and naming the last good checkpoint is trainer.ts.
import { tf } from '../runtime/tf.ts';
import type { ParamMap } from './optimizer.ts';

/** Limits of a healthy run. Plain JSON: a CLI or preset may override any field. */
export interface GuardConfig {
  /** Stop when a step's loss exceeds this many times max(first loss of the run, 1), > 1. */
  maxLossRatio: number;
  /** Stop when the L2 norm of the trained weights exceeds this many times its value at the start, > 1. */
  maxWeightNormRatio: number;
  /** DPO: stop when the mean per-token KL to the reference (k3 estimate) exceeds this, > 0. */
  maxKl: number;
}

/**
 * Loss 10x (a sigmoid DPO loss of 10 is a margin of -10; SFT far above ln(vocab)), weights 20x their
 * starting norm, KL 10 nats per token: far outside any run that learns, and reached within a few steps
 * by one that diverges (lr 1e6 gives weights of 1e9 and a KL of 1.9e3).
 */
export const DEFAULT_GUARD: Readonly<GuardConfig> = Object.freeze({ maxLossRatio: 10, maxWeightNormRatio: 20, maxKl: 10 });

export function resolveGuardConfig(overrides: Partial<GuardConfig> = {}): GuardConfig {
  for (const key of Object.keys(overrides)) if (!(key in DEFAULT_GUARD)) throw new Error(`guard.${key} is not a known setting`);
  const cfg = { ...DEFAULT_GUARD, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) } as GuardConfig;
  for (const [key, min] of [['maxLossRatio', 1], ['maxWeightNormRatio', 1], ['maxKl', 0]] as const) {
    const v = cfg[key];
    if (typeof v !== 'number' || !(v > min)) throw new Error(`guard.${key} must be a number > ${min}, got ${JSON.stringify(v)}`);
  }
  return cfg;
}

/** Raised by the guard; the trainer turns it into TrainingStoppedError naming the last good checkpoint. */
export class DivergenceError extends Error {}

/** L2 norm of all trainable variables together (an async read: no synchronous GPU readback). */
export async function weightNorm(params: ParamMap): Promise<number> {
  const trained = Object.values(params).filter((v) => v.trainable);
  if (!trained.length) return 0;
  const norm = tf.tidy(() => tf.sqrt(tf.addN(trained.map((v) => tf.sum(tf.square(v))))));
  try {
    return (await norm.data())[0];
  } finally {
    norm.dispose();
  }
}

/** One run's guard: remembers the first loss and the starting weight norm it compares against. */
export interface Guard {
  checkLoss(loss: number): void;
  checkWeights(params: ParamMap): Promise<void>;
}

/**
 * Steps whose KL median is checked, so one unusual batch does not stop a run: the app's classroom preset has
 * single-batch spikes of 2.3, and one batch of the demo loop (seed 1, round 1) read 516 nats/token (k3 on the
 * rejected side, which DPO pushes down on purpose) in a round that lowered validation error; a mean of 5 steps
 * would have stopped it.
 */
export const KL_WINDOW = 5;

/**
 * DPO's check, run on each step's mean KL (the trainer itself does not see the KL): the median over the
 * last KL_WINDOW steps must stay within maxKl, so a run stops once most recent steps are past it; a
 * non-finite KL stops at once.
 */
export function createKlCheck(config: GuardConfig): (kl: number) => void {
  const recent: number[] = [];
  return (kl) => {
    recent.push(kl);
    if (recent.length > KL_WINDOW) recent.shift();
    const sorted = [...recent].sort((a, b) => a - b);
    const median = Number.isFinite(kl) ? sorted[(sorted.length - 1) >> 1] : kl;
    if (!(median <= config.maxKl)) {
      throw new DivergenceError(`KL to the reference ${median.toPrecision(4)} per token (median of the last ${recent.length} steps) is over the limit ${config.maxKl}: the policy ran away from the reference (lower the learning rate, or raise guard.maxKl)`);
    }
  };
}

export async function createGuard(config: GuardConfig, params: ParamMap): Promise<Guard> {
  let firstLoss: number | undefined;
  const startNorm = await weightNorm(params);
  return {
    checkLoss(loss) {
      firstLoss ??= loss;
      const limit = config.maxLossRatio * Math.max(firstLoss, 1);
      if (loss > limit) throw new DivergenceError(`loss ${loss.toPrecision(4)} is over ${config.maxLossRatio}x the run's first loss (${firstLoss.toPrecision(4)}; limit ${limit.toPrecision(4)}): the run diverged (lower the learning rate, or raise guard.maxLossRatio)`);
    },
    async checkWeights(p) {
      const norm = await weightNorm(p);
      if (!Number.isFinite(norm) || (startNorm > 0 && norm > config.maxWeightNormRatio * startNorm)) {
        throw new DivergenceError(`weight norm ${norm.toPrecision(4)} is over ${config.maxWeightNormRatio}x its starting value ${startNorm.toPrecision(4)}: the run diverged (lower the learning rate, or raise guard.maxWeightNormRatio)`);
      }
    },
  };
}
