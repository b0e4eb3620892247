// The decoding sections: sampling with the KV cache against full recompute, and token-level pair
// branching with prefix reuse against naive re-encoding (preference/branching.ts's two paths).
import { disposeModel, type Model } from '../model/params.ts';
import { generate } from '../model/sampling.ts';
import { decodeWithBranches, runBranches, type BranchRequest } from '../preference/branching.ts';
import { decodeTrajectory } from '../preference/trajectory.ts';
import type { BenchConfig } from './config.ts';
import { createBenchModel, randomTokens } from './models.ts';
import { sig, timeMs } from './timing.ts';

export interface SamplingFigures {
  newTokens: number;
  promptLen: number;
  kvCacheTokensPerSec: number;
  recomputeTokensPerSec: number;
  /** recompute time / cached time. */
  speedup: number;
}

async function tokensPerSec(model: Model, prompt: number[], newTokens: number, kvCache: boolean): Promise<number> {
  const ms = await timeMs(() => generate(model, prompt, { maxNewTokens: newTokens, temperature: 0, seed: 0, kvCache }));
  return newTokens / (ms / 1000);
}

/**
 * The best of `reps` alternating runs of each variant: on a shared machine the load comes and goes,
 * and alternating keeps the variants under the same conditions.
 */
async function bestOfAlternating(reps: number, ...variants: (() => Promise<number>)[]): Promise<number[]> {
  const best = variants.map(() => 0);
  for (let i = 0; i < reps; i++) {
    for (const [v, run] of variants.entries()) best[v] = Math.max(best[v], await run());
  }
  return best;
}

export async function benchSampling(cfg: BenchConfig): Promise<SamplingFigures[]> {
  const model = createBenchModel(cfg.sftModels[0]);
  try {
    const [prompt] = randomTokens(model.config.vocab_size, 1, cfg.samplingPromptLen, 3);
    await generate(model, prompt, { maxNewTokens: 4, temperature: 0, seed: 0, kvCache: true }); // warm up kernels
    await generate(model, prompt, { maxNewTokens: 2, temperature: 0, seed: 0, kvCache: false });
    const out: SamplingFigures[] = [];
    for (const n of cfg.samplingNewTokens) {
      const [cached, recompute] = await bestOfAlternating(cfg.reps, () => tokensPerSec(model, prompt, n, true), () => tokensPerSec(model, prompt, n, false));
      out.push({ newTokens: n, promptLen: prompt.length, kvCacheTokensPerSec: sig(cached), recomputeTokensPerSec: sig(recompute), speedup: sig(cached / recompute, 3) });
    }
    return out;
  } finally {
    disposeModel(model);
  }
}

export interface PairsFigures {
  promptLen: number;
  newTokens: number;
  branchesPerPrompt: number;
  /** Branches forked while the base decodes, riding in its batched steps (decodeWithBranches). */
  reusePairsPerMin: number;
  naivePairsPerMin: number;
  /** naive time / reuse time. */
  speedup: number;
  /** Prefix reuse after the base is done (decodeTrajectory, then runBranches from its cache): buildPairs with forkWhileDecoding off. */
  twoPhaseReusePairsPerMin: number;
  /** naive time / two-phase reuse time. */
  twoPhaseSpeedup: number;
}

/**
 * One prompt's pairs: the base trajectory, then one branch per pair at evenly spaced divergence points
 * (step (r + 0.5)(N - 1)/branches, forcing the step's second most likely token). With prefix reuse the
 * branches fork from the base's cache as it reaches their step and decode in its batched steps
 * (decodeWithBranches), or (two-phase) from its cache after it is done; naively each re-encodes prompt + prefix
 * after the base is done. The same pairs every way (tests/core/preference/branching.test.ts).
 */
async function pairsPerMin(model: Model, prompt: number[], cfg: BenchConfig, way: 'overlapped' | 'two-phase' | 'naive'): Promise<number> {
  const N = cfg.pairsNewTokens;
  const decode = { maxNewTokens: N, temperature: 0, topK: 0, topP: 1, seed: 0, stopTokenId: -1, recordTopK: 2, keepLogp: () => true };
  const branch = { maxNewTokens: N, temperature: 0, topK: 0, topP: 1, seed: 1, stopTokenId: -1 };
  const indices = Array.from({ length: cfg.pairsBranches }, (_, r) => Math.floor(((r + 0.5) * (N - 1)) / cfg.pairsBranches));
  const ms = await timeMs(async () => {
    if (way === 'overlapped') {
      await decodeWithBranches(model, prompt, decode, (t, step) => indices.filter((i) => i === t).map(() => ({ forcedToken: step.alternatives[1].id })), branch);
      return;
    }
    const base = await decodeTrajectory(model, prompt, decode);
    try {
      const requests: BranchRequest[] = indices.map((index) => ({ index, forcedToken: base.steps[index].alternatives[1].id }));
      await runBranches(model, prompt, base, requests, { ...branch, reusePrefix: way === 'two-phase' });
    } finally {
      base.cache.dispose();
    }
  });
  return cfg.pairsBranches / (ms / 60_000);
}

export async function benchPairs(cfg: BenchConfig): Promise<PairsFigures> {
  const model = createBenchModel(cfg.sftModels[0]);
  try {
    const [prompt] = randomTokens(model.config.vocab_size, 1, cfg.pairsPromptLen, 4);
    const warm = { ...cfg, pairsNewTokens: 4, pairsBranches: 2 };
    for (const way of ['overlapped', 'two-phase', 'naive'] as const) await pairsPerMin(model, prompt.slice(0, 8), warm, way); // warm up kernels
    const [reuse, naive, twoPhase] = await bestOfAlternating(cfg.reps, () => pairsPerMin(model, prompt, cfg, 'overlapped'), () => pairsPerMin(model, prompt, cfg, 'naive'), () => pairsPerMin(model, prompt, cfg, 'two-phase'));
    return {
      promptLen: prompt.length, newTokens: cfg.pairsNewTokens, branchesPerPrompt: cfg.pairsBranches,
      reusePairsPerMin: sig(reuse), naivePairsPerMin: sig(naive), speedup: sig(reuse / naive, 3),
      twoPhaseReusePairsPerMin: sig(twoPhase), twoPhaseSpeedup: sig(twoPhase / naive, 3),
    };
  } finally {
    disposeModel(model);
  }
}
