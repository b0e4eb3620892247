// The SFT anchor of a preference run: ground-truth samples trained beside the pairs, with the SFT loss, in
// every micro-batch (InstructGPT's "PPO-ptx" mixing, here with the task's own ground truth). Which samples go
// with which pairs, and the anchor's loss. TRL's DPOTrainer has no such term (its `sft` loss term is the NLL
// of the chosen completions, which a token-level pair starts mid-call; see dpo_config.ts `anchorWeight`).
import { tf } from '../runtime/tf.ts';
import { tokenLogProbs } from '../model/logprobs.ts';
import type { Model } from '../model/params.ts';
import { createRng } from '../rng.ts';
import { maskedNll } from './sft_loss.ts';
import type { SftBatch } from './sft_data.ts';

/**
 * The anchor samples each pair brings to its micro-batch: pair i takes k samples, positions i·k .. i·k+k−1 (mod
 * anchors) of a seeded permutation, k being dpo.anchorPerPair or, at 0 ("auto"), ceil(anchors / pairs), so that one
 * pass over the pairs visits every anchor sample at least once. A pair always brings the same samples: a batch's
 * anchors depend only on its pair indices (exact resume, any batch split).
 *
 * Auto makes the anchor's dose depend on the pair count: with the loop's 2,400 anchor samples, 2,248 pairs bring 2
 * each (8 anchor rows to 4 pairs) and 2,701 pairs bring 1. Every pair set of fresh-calls-full's round-1 replay on
 * validation (models/sweeps/pair_kinds_seed1.md) that read 24.9-26.3% had fewer pairs than anchor samples (k = 2),
 * every one that read 27.7-29.6% had more (k = 1). Set anchorPerPair to compare pair sets at the same anchor dose.
 */
export interface AnchorPlan {
  /** Anchor samples per pair (k >= 1). */
  perPair: number;
  order: number[];
}

export function planAnchor(anchors: number, pairs: number, seed: number, fixed = 0): AnchorPlan {
  const perPair = anchorPerPair(anchors, pairs, fixed);
  const order = createRng((seed ^ 0x2545f491) >>> 0).shuffle(Array.from({ length: anchors }, (_, i) => i));
  return { perPair, order };
}

/**
 * Anchor samples per pair: `fixed` (dpo.anchorPerPair) when > 0, else ceil(anchors / pairs). A micro-batch of B pairs
 * also trains B times this many sequences.
 */
export function anchorPerPair(anchors: number, pairs: number, fixed = 0): number {
  if (anchors < 1) throw new Error('dpo anchor: no anchor samples');
  if (pairs < 1) throw new Error('dpo anchor: no pairs');
  if (!Number.isInteger(fixed) || fixed < 0) throw new Error(`dpo anchor: anchorPerPair must be an integer >= 0, got ${fixed}`);
  return fixed > 0 ? fixed : Math.ceil(anchors / pairs);
}

/** Anchor sample indices for a batch of pair indices (planAnchor). */
export function anchorIndices(plan: AnchorPlan, pairIndices: number[]): number[] {
  const n = plan.order.length;
  return pairIndices.flatMap((i) => Array.from({ length: plan.perPair }, (_, j) => plan.order[(i * plan.perPair + j) % n]));
}

/** Mean per-token NLL of the anchor batch's trained tokens under `model` (the SFT loss; caller's tidy scope). */
export function anchorLoss(model: Model, batch: SftBatch, checkpoint = false): tf.Scalar {
  const logps = tokenLogProbs(model, batch.inputIds, batch.targetIds, { attentionMask: batch.attentionMask, checkpoint }); // [B, T]
  return maskedNll(logps, batch.lossMask);
}
