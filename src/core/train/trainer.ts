// The generic training loop: seeded data order, LR schedule, trainStep, metrics, a stop hook,
// periodic checkpoints and exact resume. What a batch is and how its loss is computed is the task's.
import { tf } from '../runtime/tf.ts';
import { createRng, type Rng } from '../rng.ts';
import type { TrainLoopConfig } from './config.ts';
import { createGuard, DivergenceError, resolveGuardConfig, type GuardConfig } from './guard.ts';
import { createAdamW, disposeAdamW, type AdamW, type ParamMap } from './optimizer.ts';
import { OPTIMIZER_FILE, restoreOptimizer, serializeOptimizer } from './optimizer_state.ts';
import { learningRate } from './schedule.ts';
import { NonFiniteError, trainStep, type StepResult } from './train_step.ts';
import { dataParallelStep, type GroupStats, type Replicas } from './data_parallel.ts';

export const TRAINER_STATE_FILE = 'trainer_state.json';

/** What a trainer (SFT, DPO) supplies: data access, the loss of a micro-batch, the model's files. */
export interface TrainTask<B> {
  /** Parameters to train; only `trainable` variables are updated. */
  params: ParamMap;
  /** Number of items (sequences, pairs) one epoch visits. */
  datasetSize: number;
  /** Order of one epoch; defaults to a seeded shuffle. Must depend only on `rng`. */
  epochOrder?(rng: Rng): number[];
  /** Builds a micro-batch from dataset indices; its tensors are freed by disposeBatch. */
  makeBatch(indices: number[]): B;
  /**
   * Mean loss of the micro-batch; runs under a gradient tape. `step`: optimizer steps done before the one this
   * loss is for (0 at the first), for a loss that changes over the run (dpo.pairWarmupSteps).
   */
  loss(batch: B, step?: number): tf.Scalar;
  /** The micro-batch's share of the step (SFT: trained tokens); losses are weighted by it. */
  weight(batch: B): number;
  /** Tokens processed, for tokens_per_sec. */
  tokens(batch: B): number;
  /**
   * Whether a micro-batch's weight · loss is the sum of its parts' (a weighted mean over items); default true.
   * False (a loss normalised over its whole batch) keeps data-parallel replicas to whole micro-batches.
   */
  splittable?: boolean;
  /** An item's padded length in a batch (SFT: its tokens); lets data-parallel replicas cut batches into equal work. */
  itemLength?(index: number): number;
  /** Metrics the loss reported in remote data-parallel replicas (their groups of this step), as loss() reports its own. */
  remoteStats?(stats: GroupStats[]): void;
  disposeBatch(batch: B): void;
  /** Model and tokenizer files of a checkpoint (HF layout). */
  modelFiles(): Promise<Record<string, Uint8Array>>;
}

/** One line of metrics.jsonl, also the progress event forwarded to the UI. */
export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  grad_norm: number;
  tokens_per_sec: number;
  /** Epochs completed, fractional (1.5 = halfway through the second pass). */
  epoch: number;
  step_ms: number;
}

export interface TrainHooks {
  /** Called after every optimizer step with plain data. */
  onStep?(metrics: StepMetrics): void | Promise<void>;
  /**
   * Checked before every step; true saves a checkpoint and ends the run (resume continues it). A
   * returned promise is awaited, so a worker can pause the run by not settling it until resumed.
   */
  shouldStop?(): boolean | Promise<boolean>;
  /** Stores a checkpoint's files and returns where they went (shown in errors), e.g. `<out>/checkpoint-30`. */
  saveCheckpoint?(name: string, files: Record<string, Uint8Array>): Promise<string>;
  /** Divergence limits (guard.ts defaults for unset fields); plain JSON, not part of the run's config hash. */
  guard?: Partial<GuardConfig>;
}

/** trainer_state.json: enough, with the model and optimizer files, to continue bit for bit. */
export interface TrainerState {
  /** Optimizer steps completed. */
  step: number;
  /** Epoch being read (0-based) and the next position in its seeded order. */
  epoch: number;
  position: number;
  /** The run seed and the seed of the current epoch's order (derived from both). */
  rng: { seed: number; epochSeed: number };
  config: TrainLoopConfig;
}

export interface ResumeFrom {
  state: TrainerState;
  /** Bytes of optimizer.safetensors. */
  optimizer: Uint8Array;
  /** Where it was read from; the last good checkpoint until a new one is saved. */
  checkpoint?: string;
}

export interface TrainResult {
  state: TrainerState;
  /** True when shouldStop ended the run before config.steps. */
  stopped: boolean;
  lastCheckpoint?: string;
  /** Loss of each step run in this call. */
  losses: number[];
}

/** Raised when a run cannot continue (NaN/Inf, a divergence); the message names the step and the last good checkpoint. */
export class TrainingStoppedError extends Error {}

export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}

/** Reads items in each epoch's seeded order, continuing into the next epoch when one runs out. */
class DataCursor {
  private order: number[] = [];
  constructor(private task: TrainTask<unknown>, private seed: number, public epoch: number, public position: number) {
    this.order = this.orderOf(epoch);
  }
  private orderOf(epoch: number): number[] {
    const rng = createRng(epochSeed(this.seed, epoch));
    const all = Array.from({ length: this.task.datasetSize }, (_, i) => i);
    return this.task.epochOrder ? this.task.epochOrder(rng) : rng.shuffle(all);
  }
  take(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.position >= this.order.length) {
        this.epoch += 1;
        this.position = 0;
        this.order = this.orderOf(this.epoch);
      }
      out.push(this.order[this.position++]);
    }
    return out;
  }
  get epochsDone(): number {
    return this.epoch + this.position / this.order.length;
  }
}

/**
 * Trains `task` for config.steps optimizer steps. With `replicas`, each step's micro-batches are shared between
 * this runtime and them (data_parallel.ts): the same losses and weights as without, to float rounding.
 */
export async function runTrainer<B>(task: TrainTask<B>, config: TrainLoopConfig, hooks: TrainHooks = {}, resume?: ResumeFrom, replicas?: Replicas): Promise<TrainResult> {
  if (task.datasetSize < 1) throw new Error('training data is empty');
  const opt = createAdamW(task.params, config);
  const cursor = new DataCursor(task as TrainTask<unknown>, config.seed, resume?.state.epoch ?? 0, resume?.state.position ?? 0);
  let step = resume?.state.step ?? 0;
  const state = (): TrainerState => ({
    step, epoch: cursor.epoch, position: cursor.position,
    rng: { seed: config.seed, epochSeed: epochSeed(config.seed, cursor.epoch) }, config,
  });
  let lastCheckpoint = resume?.checkpoint;
  let savedStep = step;
  const guard = await createGuard(resolveGuardConfig(hooks.guard), task.params);
  const save = async (): Promise<void> => {
    if (!hooks.saveCheckpoint) return;
    await guard.checkWeights(task.params); // a checkpoint is saved only if its weights pass
    const files = { ...(await task.modelFiles()) };
    files[OPTIMIZER_FILE] = await serializeOptimizer(opt);
    files[TRAINER_STATE_FILE] = new TextEncoder().encode(JSON.stringify(state(), null, 2) + '\n');
    lastCheckpoint = await hooks.saveCheckpoint(`checkpoint-${step}`, files);
    savedStep = step;
  };
  const losses: number[] = [];
  let stopped = false;
  const lastGood = (): string => lastCheckpoint ?? 'none (no checkpoint saved yet)';
  try {
    if (resume) restoreOptimizer(opt, resume.optimizer);
    await guarded(() => step, lastGood, async () => {
      while (step < config.steps) {
        if (await hooks.shouldStop?.()) {
          stopped = true;
          break;
        }
        const t0 = performance.now();
        let result: StepResult & { lr: number; tokens: number };
        try {
          result = replicas ? await runParallelStep(task, cursor, opt, config, step, replicas) : await runOneStep(task, cursor, opt, config, step);
        } catch (err) {
          if (!(err instanceof NonFiniteError)) throw err;
          throw new TrainingStoppedError(`step ${step + 1}: ${err.message}; stopped, last good checkpoint is ${lastGood()}`);
        }
        step += 1;
        const stepMs = performance.now() - t0;
        losses.push(result.loss);
        await hooks.onStep?.({
          step, loss: result.loss, lr: result.lr, grad_norm: result.gradNorm,
          tokens_per_sec: result.tokens / (stepMs / 1000), epoch: cursor.epochsDone, step_ms: stepMs,
        });
        guard.checkLoss(result.loss);
        if (config.checkpointEvery > 0 && step % config.checkpointEvery === 0) await save();
      }
      if (step !== savedStep) await save();
    });
  } finally {
    disposeAdamW(opt);
  }
  return { state: state(), stopped, lastCheckpoint, losses };
}

/** Runs `body`, turning a DivergenceError (from the guard or a hook) into TrainingStoppedError. */
async function guarded(step: () => number, lastGood: () => string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    throw new TrainingStoppedError(`step ${step()}: ${err.message}; stopped, last good checkpoint is ${lastGood()}`);
  }
}

/** runOneStep's data-parallel form: the same micro-batches, shared with the replicas. */
async function runParallelStep<B>(task: TrainTask<B>, cursor: DataCursor, opt: AdamW, config: TrainLoopConfig, step: number, replicas: Replicas): Promise<StepResult & { lr: number; tokens: number }> {
  const micro = Array.from({ length: config.gradAccumSteps }, () => cursor.take(config.batchSize));
  const lr = learningRate(step, config);
  return { ...(await dataParallelStep(task, micro, opt, replicas, { lr, maxGradNorm: config.maxGradNorm }, step)), lr };
}

/** Reads the step's micro-batches, applies one update at the scheduled rate, frees the batches. */
async function runOneStep<B>(task: TrainTask<B>, cursor: DataCursor, opt: AdamW, config: TrainLoopConfig, step: number): Promise<StepResult & { lr: number; tokens: number }> {
  const batches: B[] = [];
  try {
    for (let i = 0; i < config.gradAccumSteps; i++) batches.push(task.makeBatch(cursor.take(config.batchSize)));
    const lr = learningRate(step, config);
    const tokens = batches.reduce((s, b) => s + task.tokens(b), 0);
    const micro = batches.map((b) => ({ loss: () => task.loss(b, step), weight: task.weight(b) }));
    const result = await trainStep(task.params, micro, opt, { lr, maxGradNorm: config.maxGradNorm });
    return { ...result, lr, tokens };
  } finally {
    batches.forEach((b) => task.disposeBatch(b));
  }
}
