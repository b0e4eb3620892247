// Reference log-probabilities for DPO, computed once per pair before training, in batches, and stored on
// the pairs, so training holds one model. For LoRA runs the reference is the base with adapters disabled.
import { tf } from '../runtime/tf.ts';
import type { Model } from '../model/params.ts';
import { disposeDpoBatch, makeDpoBatch, type EncodedPair } from './dpo_data.ts';
import { pairLogps } from './dpo_logps.ts';

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
  const len = (p: EncodedPair): number => p.prompt.length + Math.max(p.chosen.length, p.rejected.length);
  const order = pairs.map((_, i) => i).sort((a, b) => len(pairs[a]) - len(pairs[b]));
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
