// Benchmark of prefix reuse: the same token-level pair building with branches forked from the base's
// KV cache (one batch) and with prompt + prefix re-encoded per branch. Greedy branches make both runs
// produce the same pairs, which the result states; timing is wall clock around buildPairs.
import type { Sample } from '../data/sample.ts';
import type { Model } from '../model/params.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { buildPairs } from './build_pairs.ts';
import type { PreferenceConfig } from './config.ts';
import type { PreferencePair } from './pairing.ts';

export interface PrefixReuseBench {
  prompts: number;
  meanPromptTokens: number;
  branches: number;
  /**
   * Branching phase only (base decoding is the same in both runs). With forkWhileDecoding the reuse run's
   * branches mostly decode inside the base's steps and only the time past the base's end counts here, so
   * branchSpeedup overstates the gain; totalSpeedup compares like with like.
   */
  reuseBranchMs: number;
  naiveBranchMs: number;
  branchSpeedup: number;
  /** Whole pair building. */
  reuseTotalMs: number;
  naiveTotalMs: number;
  totalSpeedup: number;
  /** Both runs wrote identical pairs (expected with greedy branches). */
  samePairs: boolean;
}

/** What must agree between the two runs (log-probabilities may differ in the last float bits). */
const pairKey = (p: PreferencePair): unknown[] => [p.sampleId, p.prefix, p.chosen.text, p.rejected.text, p.chosen.esm, p.rejected.esm];

export async function benchmarkPrefixReuse(model: Model, tokenizer: Tokenizer, samples: readonly Sample[], config: PreferenceConfig): Promise<PrefixReuseBench> {
  const token = { ...config, mode: 'token' as const };
  const reuse = await buildPairs(model, tokenizer, samples, { ...token, reusePrefix: true });
  const naive = await buildPairs(model, tokenizer, samples, { ...token, reusePrefix: false });
  const r = reuse.stats;
  const n = naive.stats;
  return {
    prompts: r.prompts,
    meanPromptTokens: r.meanPromptTokens,
    branches: r.branches,
    reuseBranchMs: r.branchMs,
    naiveBranchMs: n.branchMs,
    branchSpeedup: n.branchMs / Math.max(r.branchMs, 1e-9),
    reuseTotalMs: r.elapsedMs,
    naiveTotalMs: n.elapsedMs,
    totalSpeedup: n.elapsedMs / Math.max(r.elapsedMs, 1e-9),
    samePairs: JSON.stringify(reuse.pairs.map(pairKey)) === JSON.stringify(naive.pairs.map(pairKey)),
  };
}
