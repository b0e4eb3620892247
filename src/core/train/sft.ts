// Supervised fine-tuning as one task of the generic trainer: next-token loss on masked tokens.
// Data preparation is sft_data.ts, the loop/optimizer/checkpoints are trainer.ts; no file I/O here.
import { tf } from '../runtime/tf.ts';
import { anchorIndices, planAnchor } from './anchor.ts';
import type { SftConfig } from './config.ts';
import type { ParamMap } from './optimizer.ts';
import { bucketedOrder, disposeSftBatch, makeSftBatch, type EncodedSample, type SftBatch } from './sft_data.ts';
import { maskedNll } from './sft_loss.ts';
import type { Replicas } from './data_parallel.ts';
import { runTrainer, type ResumeFrom, type TrainHooks, type TrainResult, type TrainTask } from './trainer.ts';

/** log p(target_t | inputs_<=t) for every position: ([B, T], [B, T], [B, T] mask) -> [B, T], differentiable. */
export type TokenLogProbsFn = (inputIds: tf.Tensor2D, targetIds: tf.Tensor2D, attentionMask: tf.Tensor2D) => tf.Tensor2D;

/** What a trainer needs of a model: its variables and a differentiable log-probability function. */
export interface TrainablePolicy {
  params: ParamMap;
  tokenLogProbs: TokenLogProbsFn;
}

export interface SftRun {
  policy: TrainablePolicy;
  /** Encoded samples (encodeSamples); one epoch visits each once in a seeded order. */
  data: EncodedSample[];
  config: SftConfig;
  padTokenId: number;
  /** Model + tokenizer files for a checkpoint (checkpointFiles of the runtime). */
  modelFiles: () => Promise<Record<string, Uint8Array>>;
  hooks?: TrainHooks;
  resume?: ResumeFrom;
  /** Data-parallel replicas to share each step with (replica.ts; worker threads: src/cli/replica_pool.ts, Web Workers: workers/replica_pool.ts); none: this runtime alone. */
  replicas?: Replicas;
  /**
   * An SFT anchor beside the data, as a DPO run's (anchor.ts): each item brings the same ground-truth samples to its
   * micro-batch (planAnchor), whose mean per-token NLL, times `weight`, is added to the batch's loss. The loop's RFT
   * arm takes it so that it trains the same anchor rows a step as the DPO arms (loop.rftAnchor). One replica only.
   */
  anchor?: { samples: EncodedSample[]; weight: number; seed: number; /** dpo.anchorPerPair: samples an item brings, 0 = auto. */ perPair?: number };
}

/** An SFT micro-batch, with the anchor samples its items bring when the run has an anchor. */
export type AnchoredSftBatch = SftBatch & { anchor?: SftBatch };

/** Mean masked NLL of a batch (the SFT loss), under the current parameters. */
export function sftLoss(policy: TrainablePolicy, batch: SftBatch): tf.Scalar {
  return tf.tidy(() => {
    const logps = policy.tokenLogProbs(batch.inputIds, batch.targetIds, batch.attentionMask); // [B, T]
    return maskedNll(logps, batch.lossMask);
  });
}

export function sftTask(run: SftRun): TrainTask<AnchoredSftBatch> {
  const { policy, data, config } = run;
  const lengths = data.map((s) => s.ids.length);
  const anchor = run.anchor;
  if (anchor && run.replicas) throw new Error('sft: an anchor trains in one replica');
  const plan = anchor ? planAnchor(anchor.samples.length, data.length, anchor.seed, anchor.perPair ?? 0) : undefined;
  return {
    params: policy.params,
    datasetSize: data.length,
    epochOrder: config.bucketByLength ? (rng) => bucketedOrder(lengths, config.batchSize, rng) : undefined,
    makeBatch: (indices) => ({
      ...makeSftBatch(indices.map((i) => data[i]), run.padTokenId),
      ...(plan ? { anchor: makeSftBatch(anchorIndices(plan, indices).map((i) => anchor!.samples[i]), run.padTokenId) } : {}),
    }),
    loss: (batch) => {
      const loss = sftLoss(policy, batch);
      if (!batch.anchor) return loss;
      return tf.tidy(() => tf.add(loss, tf.mul(sftLoss(policy, batch.anchor!), anchor!.weight)) as tf.Scalar);
    },
    itemLength: (i) => lengths[i],
    weight: (batch) => batch.targetTokens,
    tokens: (batch) => batch.inputTokens + (batch.anchor?.inputTokens ?? 0),
    disposeBatch: (batch) => {
      disposeSftBatch(batch);
      if (batch.anchor) disposeSftBatch(batch.anchor);
    },
    modelFiles: run.modelFiles,
  };
}

export function runSft(run: SftRun): Promise<TrainResult> {
  return runTrainer(sftTask(run), run.config, run.hooks, run.resume, run.replicas);
}
