// The decoding sections: sampling with the KV cache against full recompute, and token-level pair
// branching with prefix reuse against naive re-encoding (preference/branching.ts's two paths).
import { disposeModel, type Model } from '../model/params.ts';
import { generate } from '../model/sampling.ts';
import { runBranches, type BranchRequest } from '../preference/branching.ts';
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
 * The best of `reps` alternating runs of two variants: on a shared machine the load comes and goes,
 * and alternating keeps both variants under the same conditions.
 */
async function bestOfAlternating(reps: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  let [bestA, bestB] = [0, 0];
  for (let i = 0; i < reps; i++) {
    bestA = Math.max(bestA, await a());
    bestB = Math.max(bestB, await b());
  }
  return [bestA, bestB];
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
  reusePairsPerMin: number;
  naivePairsPerMin: number;
  /** naive time / reuse time. */
  speedup: number;
}

/** One prompt's pairs: the base trajectory, then one branch per pair at evenly spaced divergence points. */
async function pairsPerMin(model: Model, prompt: number[], cfg: BenchConfig, reusePrefix: boolean): Promise<number> {
  const N = cfg.pairsNewTokens;
  const ms = await timeMs(async () => {
    const base = await decodeTrajectory(model, prompt, {
      maxNewTokens: N, temperature: 0, topK: 0, topP: 1, seed: 0, stopTokenId: -1, recordTopK: 2, keepLogp: () => true,
    });
    try {
      const requests: BranchRequest[] = Array.from({ length: cfg.pairsBranches }, (_, r) => {
        const index = Math.floor(((r + 0.5) * (base.steps.length - 1)) / cfg.pairsBranches);
        return { index, forcedToken: base.steps[index].alternatives[1].id };
      });
      await runBranches(model, prompt, base, requests, { maxNewTokens: N, temperature: 0, topK: 0, topP: 1, seed: 1, stopTokenId: -1, reusePrefix });
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
    await pairsPerMin(model, prompt.slice(0, 8), { ...cfg, pairsNewTokens: 4, pairsBranches: 2 }, true); // warm up kernels
    await pairsPerMin(model, prompt.slice(0, 8), { ...cfg, pairsNewTokens: 4, pairsBranches: 2 }, false);
    const [reuse, naive] = await bestOfAlternating(cfg.reps, () => pairsPerMin(model, prompt, cfg, true), () => pairsPerMin(model, prompt, cfg, false));
    return {
      promptLen: prompt.length, newTokens: cfg.pairsNewTokens, branchesPerPrompt: cfg.pairsBranches,
      reusePairsPerMin: sig(reuse), naivePairsPerMin: sig(naive), speedup: sig(reuse / naive, 3),
    };
  } finally {
    disposeModel(model);
  }
}
