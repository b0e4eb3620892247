// Reference log-probabilities for DPO, computed once per pair before training, in batches, and stored on
// the pairs, so training holds one model. For LoRA runs the reference is the base with adapters disabled.
import { tf } from '../runtime/tf.ts';
import type { Model } from '../model/params.ts';
import { disposeDpoBatch, makeDpoBatch, pairLength, type EncodedPair } from './dpo_data.ts';
import { pairLogps } from './dpo_logps.ts';
import type { Replicas } from './data_parallel.ts';

export interface ReferenceOptions {
  /** Pairs per forward pass (2x rows: chosen and rejected). */
  batchSize: number;
  padTokenId: number;
  onProgress?(done: number, total: number): void;
}

/**
 * Fills refChosen / refRejected (one log-prob per completion token) on every pair, in place. Pairs are
 * batched in order of length so padding stays small; an inference-only (frozen) pass.
 */
export async function computeReferenceLogps(reference: Model, pairs: EncodedPair[], options: ReferenceOptions): Promise<void> {
  const order = pairs.map((_, i) => i).sort((a, b) => pairLength(pairs[a]) - pairLength(pairs[b]));
  for (let s = 0; s < order.length; s += options.batchSize) {
    const group = order.slice(s, s + options.batchSize).map((i) => pairs[i]);
    const batch = makeDpoBatch(group, options.padTokenId, false);
    const logps = tf.tidy(() => pairLogps(reference, batch, { frozen: true })); // [2B, C]
    const values = (await logps.data()) as Float32Array;
    const C = logps.shape[1];
    logps.dispose();
    disposeDpoBatch(batch);
    const row = (r: number, n: number): number[] => Array.from(values.subarray(r * C, r * C + n));
    group.forEach((p, b) => {
      p.refChosen = row(b, p.chosen.length);
      p.refRejected = row(group.length + b, p.rejected.length);
    });
    options.onProgress?.(Math.min(s + options.batchSize, order.length), order.length);
  }
}

/** Summed reference log-probs of a pair's completions (what TRL stores as ref_chosen_logps / ref_rejected_logps). */
export function referenceSums(p: EncodedPair): { chosen: number; rejected: number } {
  if (!p.refChosen || !p.refRejected) throw new Error('reference log-probs have not been computed for this pair');
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return { chosen: sum(p.refChosen), rejected: sum(p.refRejected) };
}

/** One pair's reference log-probs, by its index in the run's pairs (what data-parallel replicas exchange). */
export interface PairReference {
  index: number;
  chosen: number[];
  rejected: number[];
}

/**
 * computeReferenceLogps over this runtime and data-parallel replicas started at the reference's weights: pairs are
 * dealt longest first in turn (about equal tokens each), each computes its own, and every replica is then given all
 * of them (any pair may fall to any replica in training). The same numbers as computing them here.
 */
export async function computeReferenceOverReplicas(reference: Model, pairs: EncodedPair[], replicas: Replicas, options: ReferenceOptions): Promise<void> {
  if (!replicas.references || !replicas.setReferences) throw new Error('these data-parallel replicas cannot compute reference log-probs');
  const local = replicas.localShare !== false;
  const R = replicas.count + (local ? 1 : 0);
  const parts: number[][] = Array.from({ length: R }, () => []);
  pairs.map((_, i) => i).sort((a, b) => pairLength(pairs[b]) - pairLength(pairs[a])).forEach((i, k) => parts[k % R].push(i));
  const remote = replicas.references(local ? parts.slice(1) : parts, options.batchSize);
  remote.catch(() => undefined); // awaited below; this only keeps a local failure from leaving it unhandled
  if (local) await computeReferenceLogps(reference, parts[0].map((i) => pairs[i]), { batchSize: options.batchSize, padTokenId: options.padTokenId });
  for (const ref of (await remote).flat()) {
    pairs[ref.index].refChosen = ref.chosen;
    pairs[ref.index].refRejected = ref.rejected;
  }
  await replicas.setReferences(pairs.map((p, index) => ({ index, chosen: p.refChosen!, rejected: p.refRejected! })));
  options.onProgress?.(pairs.length, pairs.length);
}
