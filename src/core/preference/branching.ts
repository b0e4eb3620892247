// Branching: force an alternative token at a divergence point of the base trajectory and finish the
// continuation. With prefix reuse every branch of a prompt continues from the base's KV cache in one
// batch (cost ~ the longest suffix); without it each branch re-encodes prompt + prefix (the benchmark baseline).
import { continueFromCache, generate, type GenerateResult, type SampleOptions } from '../model/sampling.ts';
import type { Model } from '../model/params.ts';
import { forkCacheAt } from './branch_cache.ts';
import type { DecodedTrajectory } from './trajectory.ts';

export interface BranchRequest {
  /** Step of the base trajectory where the alternative replaces the base token. */
  index: number;
  forcedToken: number;
}

export interface BranchRun extends BranchRequest {
  /** The completion's tokens from the divergence point on (forced token first). */
  ids: number[];
  /** Policy log-probabilities of `ids` (temperature 1). */
  logprobs: number[];
  stoppedBy: 'stop_token' | 'length';
}

export interface BranchOptions {
  /** Longest whole completion: a branch at step t gets maxNewTokens - t tokens. */
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  /** Branch r is sampled with createRng(seed + r) (same in both paths). */
  seed: number;
  stopTokenId: number;
  /** true: fork the base's cache, one batch; false: re-encode prompt + prefix per branch. */
  reusePrefix: boolean;
}

/** Runs every branch of one trajectory; results in request order. */
export async function runBranches(model: Model, promptIds: number[], base: DecodedTrajectory, requests: readonly BranchRequest[], opts: BranchOptions): Promise<BranchRun[]> {
  if (requests.length === 0) return [];
  const results = opts.reusePrefix ? await branchFromCache(model, base, requests, opts) : await branchNaively(model, promptIds, base, requests, opts);
  return requests.map((req, r) => toRun(req, results[r], opts.maxNewTokens - req.index));
}

const sampleOptions = (opts: BranchOptions, maxNewTokens: number, seed: number): SampleOptions => ({
  maxNewTokens,
  temperature: opts.temperature,
  topK: opts.topK,
  topP: opts.topP,
  seed,
  stopTokenIds: [opts.stopTokenId],
  recordTopK: 1,
});

async function branchFromCache(model: Model, base: DecodedTrajectory, requests: readonly BranchRequest[], opts: BranchOptions): Promise<GenerateResult[]> {
  const cuts = requests.map((req) => {
    const logp = base.logpAt.get(req.index);
    if (!logp) throw new Error(`runBranches: no next-token log-probs kept for step ${req.index}`);
    return { length: base.promptLength + req.index, logp };
  });
  const forked = forkCacheAt(base.cache, 0, cuts);
  try {
    const earliest = Math.min(...requests.map((r) => r.index));
    return await continueFromCache(model, forked, requests.map((r) => r.forcedToken), sampleOptions(opts, opts.maxNewTokens - earliest, opts.seed));
  } finally {
    forked.dispose();
  }
}

async function branchNaively(model: Model, promptIds: number[], base: DecodedTrajectory, requests: readonly BranchRequest[], opts: BranchOptions): Promise<GenerateResult[]> {
  const out: GenerateResult[] = [];
  for (const [r, req] of requests.entries()) {
    const prefix = [...promptIds, ...base.steps.slice(0, req.index).map((s) => s.id)];
    out.push(await generate(model, prefix, { ...sampleOptions(opts, opts.maxNewTokens - req.index, opts.seed + r), forcedPrefix: [req.forcedToken] }));
  }
  return out;
}

/** Cuts a batched row back to its own budget (rows share the batch's longest budget). */
function toRun(req: BranchRequest, res: GenerateResult, budget: number): BranchRun {
  const n = Math.min(res.tokens.length, budget);
  const ids = res.tokens.slice(0, n);
  const stopped = res.stoppedBy === 'stop_token' && n === res.tokens.length;
  return { ...req, ids, logprobs: res.steps.slice(0, n).map((s) => s.logprob), stoppedBy: stopped ? 'stop_token' : 'length' };
}
