// DPO-family training as one task of the generic trainer (trainer.ts): the loss of a pair batch against
// precomputed reference log-probs, plus TRL-named metrics per step. Data is dpo_data.ts, losses dpo_loss.ts.
import { tf } from '../runtime/tf.ts';
import { lossTerms, pairLossScale, type DpoConfig } from './dpo_config.ts';
import { disposeDpoBatch, makeDpoBatch, pairLength, type DpoBatch, type EncodedPair } from './dpo_data.ts';
import { dpoLoss } from './dpo_loss.ts';
import type { Model } from '../model/params.ts';
import { pairLogps } from './dpo_logps.ts';
import type { ParamMap } from './optimizer.ts';
import { createKlCheck, resolveGuardConfig } from './guard.ts';
import { runTrainer, type ResumeFrom, type StepMetrics, type TrainHooks, type TrainResult, type TrainTask } from './trainer.ts';
import type { GroupStats, Replicas } from './data_parallel.ts';
import { anchorIndices, anchorLoss, planAnchor } from './anchor.ts';
import { disposeSftBatch, makeSftBatch, type EncodedSample, type SftBatch } from './sft_data.ts';

/** One line of a DPO run's metrics.jsonl, with TRL's metric names. Means over the step's pairs. */
export interface DpoStepMetrics {
  step: number;
  loss: number;
  'rewards/chosen': number;
  'rewards/rejected': number;
  'rewards/margins': number;
  'rewards/accuracies': number;
  'logps/chosen': number;
  'logps/rejected': number;
  /** Mean per-token k3 estimate of KL(policy ‖ reference) on the pair tokens (dpo_loss.ts). */
  kl: number;
  /** The same on the chosen tokens alone: what the divergence guards watch (dpo_loss.ts). */
  'kl/chosen': number;
  /** With an SFT anchor (anchorWeight > 0): the anchor samples' mean per-token NLL. */
  'nll/anchor'?: number;
  grad_norm: number;
  learning_rate: number;
  epoch: number;
  step_ms: number;
  tokens_per_sec: number;
}

export interface DpoHooks extends Omit<TrainHooks, 'onStep'> {
  onStep?(metrics: DpoStepMetrics): void | Promise<void>;
}

/** What DPO trains: `params` (all weights, or LoRA adapters) and the model they define, built inside the gradient scope. */
export interface DpoPolicy {
  params: ParamMap;
  /** The model to run; for LoRA, base + adapters (adaptedModel), called under the gradient tape. */
  model(): Model;
  /** Recompute each layer in the backward pass (model/checkpoint.ts); runDpoJob sets it from the memory plan. */
  checkpointing?: boolean;
}

export interface DpoRun {
  policy: DpoPolicy;
  /** Encoded pairs with reference log-probs (computeReferenceLogps). */
  data: EncodedPair[];
  config: DpoConfig;
  padTokenId: number;
  /** Files of a checkpoint (model + tokenizer, or adapters), as for SFT. */
  modelFiles: () => Promise<Record<string, Uint8Array>>;
  hooks?: DpoHooks;
  resume?: ResumeFrom;
  /** Data-parallel replicas to share each step with (replica.ts); none: this runtime alone. */
  replicas?: Replicas;
  /** Ground-truth samples (encodeSamples) for the SFT anchor; required when config.anchorWeight > 0. */
  anchor?: EncodedSample[];
}

/** A micro-batch: pairs, and with an SFT anchor the ground-truth samples that go with them (anchor.ts). */
export interface DpoTaskBatch {
  pairs: DpoBatch;
  anchor?: SftBatch;
}

const STAT_NAMES = ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies', 'logps/chosen', 'logps/rejected', 'kl', 'kl/chosen'] as const;
type Stats = Record<(typeof STAT_NAMES)[number], number>;

/** The loss of one batch and its metrics as a [8] tensor in STAT_NAMES order (caller's tidy scope). */
export function dpoBatchLoss(policy: DpoPolicy, batch: DpoBatch, cfg: DpoConfig): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const { B } = batch;
  const logps = pairLogps(policy.model(), batch, { checkpoint: policy.checkpointing }); // [2B, C]
  const [pc, pr] = tf.split(logps, [B, B], 0) as [tf.Tensor2D, tf.Tensor2D]; // [B, C] each
  const [rc, rr] = tf.split(batch.refLogps, [B, B], 0) as [tf.Tensor2D, tf.Tensor2D];
  const [mc, mr] = tf.split(batch.lossMask, [B, B], 0) as [tf.Tensor2D, tf.Tensor2D];
  const [nc] = tf.split(batch.completionMask, [B, B], 0) as [tf.Tensor2D, tf.Tensor2D];
  const out = dpoLoss({
    policyChosen: pc, policyRejected: pr, refChosen: rc, refRejected: rr,
    maskChosen: mc, maskRejected: mr, nllMaskChosen: nc, scoreMargin: batch.scoreMargin,
  }, cfg);
  const margins = tf.sub(out.rewardsChosen, out.rewardsRejected); // [B]
  const stats = tf.stack([
    tf.mean(out.rewardsChosen), tf.mean(out.rewardsRejected), tf.mean(margins),
    tf.mean(tf.cast(tf.greater(margins, 0), 'float32')), tf.mean(out.logpsChosen), tf.mean(out.logpsRejected), out.kl, out.klChosen,
  ]) as tf.Tensor1D; // [8]
  return { loss: out.loss, stats };
}

/** Whether any loss term trains on the pairs (an RPO term or a weighted one); not for an SFT anchor alone. */
export const trainsPairs = (cfg: Pick<DpoConfig, 'lossType' | 'lossWeights' | 'rpoAlpha'>): boolean => cfg.rpoAlpha > 0 || lossTerms(cfg).some((t) => t.weight > 0);

/**
 * Whether a pair batch's loss is the mean of per-pair losses, so a batch cut across data-parallel replicas
 * gives the same step; ESM in 'weight' mode divides by the batch's mean score margin (dpo_loss.ts), so not.
 */
export function dpoSplittable(cfg: Pick<DpoConfig, 'lossType' | 'lossWeights' | 'esmMode' | 'anchorWeight'>): boolean {
  // The anchor's loss is a per-token mean over its whole batch, as SFT's is, not a mean over pairs.
  return (cfg.esmMode !== 'weight' || !lossTerms(cfg).some((t) => t.type === 'esm')) && !(cfg.anchorWeight > 0);
}

/**
 * The trainer task of a DPO run. Each micro-batch's metrics tensor is kept and handed to `onStats`,
 * which owns it: reading it inside the gradient tape (dataSync) loses the WebGPU device, so it is
 * read after the step. Remote replicas' metrics arrive as numbers (`onRemoteStats`).
 */
export function dpoTask(run: DpoRun, onStats: (stats: tf.Tensor1D, pairs: number) => void, onRemoteStats?: (stats: GroupStats[]) => void): TrainTask<DpoTaskBatch> {
  const { policy, data, config } = run;
  for (const p of data) if (!p.refChosen || !p.refRejected) throw new Error('dpo: every pair needs reference log-probs (computeReferenceLogps)');
  const anchor = config.anchorWeight > 0 ? run.anchor : undefined;
  if (config.anchorWeight > 0 && !anchor?.length) throw new Error(`dpo.anchorWeight is ${config.anchorWeight} but the run has no anchor samples`);
  const plan = anchor ? planAnchor(anchor.length, data.length, config.seed, config.anchorPerPair) : undefined;
  const pairsTrain = trainsPairs(config);
  return {
    params: policy.params,
    datasetSize: data.length,
    makeBatch: (indices) => ({
      pairs: makeDpoBatch(indices.map((i) => data[i]), run.padTokenId, config.maskSharedPrefix, config.divergentTokens, config.divergentWeight),
      anchor: plan ? makeSftBatch(anchorIndices(plan, indices).map((i) => anchor![i]), run.padTokenId) : undefined,
    }),
    loss: (batch, step) => {
      if (config.pairWarmupSteps > 0 && step === undefined) throw new Error('dpo: dpo.pairWarmupSteps needs the step number of every loss (the trainer passes it)');
      const scale = pairLossScale(config, step ?? 0);
      const { loss, stats } = dpoBatchLoss(policy, batch.pairs, config);
      const pairLoss = scale === 1 ? loss : tf.mul(loss, scale) as tf.Scalar;
      if (!batch.anchor) {
        onStats(tf.keep(stats), batch.pairs.B);
        return pairLoss;
      }
      const nll = anchorLoss(policy.model(), batch.anchor, policy.checkpointing);
      onStats(tf.keep(tf.concat([stats, tf.reshape(nll, [1])])), batch.pairs.B);
      // The anchor alone (every pair term weighted 0, or ramped to 0 at this step): the pairs are read for their
      // metrics only. Their loss is 0 and left off the returned loss, so the gradient tape skips their backward pass
      // (about two thirds of their cost).
      if (!pairsTrain || scale === 0) return tf.mul(nll, config.anchorWeight) as tf.Scalar;
      return tf.add(pairLoss, tf.mul(nll, config.anchorWeight)) as tf.Scalar;
    },
    itemLength: (i) => pairLength(data[i]),
    weight: (batch) => batch.pairs.B,
    tokens: (batch) => batch.pairs.inputTokens + (batch.anchor?.inputTokens ?? 0),
    splittable: dpoSplittable(config),
    remoteStats: onRemoteStats,
    disposeBatch: (batch) => {
      disposeDpoBatch(batch.pairs);
      if (batch.anchor) disposeSftBatch(batch.anchor);
    },
    modelFiles: run.modelFiles,
  };
}

/** Runs DPO with the generic trainer; metrics of each step are pair-weighted means over its micro-batches. */
export function runDpo(run: DpoRun): Promise<TrainResult> {
  let pending: { stats: tf.Tensor1D; pairs: number }[] = [];
  let remote: GroupStats[] = [];
  // A run that trains no pair (every loss term weighted 0 and no RPO term: an SFT anchor alone) has no KL limit:
  // its KL on the pairs is how far the anchor moves it, not a runaway (12.6 nats per token by step 44 of a loop
  // round at lr 1e-3). The loss and weight-norm limits still hold.
  const klCheck = createKlCheck(resolveGuardConfig(run.hooks?.guard));
  const checkKl = trainsPairs(run.config) ? klCheck : (): void => {};
  const task = dpoTask(run, (stats, pairs) => pending.push({ stats, pairs }), (stats) => remote.push(...stats));
  const hooks: TrainHooks = {
    ...run.hooks,
    onStep: async (m: StepMetrics) => {
      const sums = zeroStats();
      let pairs = 0;
      let anchorNll = 0;
      for (const p of pending) {
        const v = await p.stats.data();
        p.stats.dispose();
        STAT_NAMES.forEach((k, i) => (sums[k] += v[i] * p.pairs));
        anchorNll += (v[STAT_NAMES.length] ?? 0) * p.pairs;
        pairs += p.pairs;
      }
      for (const r of remote) {
        STAT_NAMES.forEach((k, i) => (sums[k] += r.values[i] * r.weight));
        pairs += r.weight;
      }
      pending = [];
      remote = [];
      const mean = Object.fromEntries(STAT_NAMES.map((k) => [k, sums[k] / Math.max(pairs, 1)])) as Stats;
      await run.hooks?.onStep?.({
        step: m.step, loss: m.loss, ...mean, ...(run.config.anchorWeight > 0 ? { 'nll/anchor': anchorNll / Math.max(pairs, 1) } : {}),
        grad_norm: m.grad_norm, learning_rate: m.lr,
        epoch: m.epoch, step_ms: m.step_ms, tokens_per_sec: m.tokens_per_sec,
      });
      checkKl(mean['kl/chosen']);
    },
  };
  return runTrainer(task, run.config, hooks, run.resume, run.replicas);
}

function zeroStats(): Stats {
  return Object.fromEntries(STAT_NAMES.map((k) => [k, 0])) as Stats;
}
