// Branching: force an alternative token at a divergence point of the base trajectory and finish the
// continuation. With prefix reuse every branch of a prompt continues from the base's KV cache in one
// batch (cost ~ the longest suffix); without it each branch re-encodes prompt + prefix (the benchmark baseline).
// When the divergence points can be chosen step by step, decodeWithBranches forks them while the base decodes.
import { generate, type SampleOptions } from '../model/sampling.ts';
import type { Model } from '../model/params.ts';
import { forkCachesAt } from './branch_cache.ts';
import { decodeRows, decodeRowsAlongside, type DecodedRow, type ReviseRows } from './branch_decode.ts';
import type { DecodedStep, DecodedTrajectory, DecodeOptions } from './trajectory.ts';

export interface BranchRequest {
  /** Step of the base trajectory where the alternative replaces the base token. */
  index: number;
  forcedToken: number;
  /** Most tokens this branch may produce (forced one included); default maxNewTokens - index. */
  budget?: number;
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
  return (await runBranchGroups(model, [{ promptIds, base, requests }], opts))[0];
}

/** One prompt's branches within a multi-prompt batch. */
export interface BranchGroup {
  promptIds: number[];
  base: DecodedTrajectory;
  requests: readonly BranchRequest[];
}

/**
 * Runs the branches of several prompts together: with prefix reuse, all of them are rows of one batch
 * forked from their prompts' caches (the batch lasts as long as its longest branch, instead of the sum).
 * Branch r of the flattened list is sampled with seed + r. Results per group, in request order.
 */
export async function runBranchGroups(model: Model, groups: readonly BranchGroup[], opts: BranchOptions): Promise<BranchRun[][]> {
  const flat = groups.flatMap((g) => g.requests.map((req) => ({ g, req })));
  if (flat.length === 0) return groups.map(() => []);
  const results = opts.reusePrefix ? await branchFromCaches(model, flat, opts) : await branchNaively(model, flat, opts);
  let r = 0;
  return groups.map((g) => g.requests.map((req): BranchRun => {
    const res = results[r++];
    return { ...req, ids: res.tokens, logprobs: res.logprobs, stoppedBy: res.stoppedBy };
  }));
}

const budgetOf = (req: BranchRequest, opts: Pick<BranchOptions, 'maxNewTokens'>): number => Math.max(1, Math.min(opts.maxNewTokens - req.index, req.budget ?? Infinity));

type FlatRequest = { g: BranchGroup; req: BranchRequest };

const sampleOptions = (opts: BranchOptions, maxNewTokens: number, seed: number): SampleOptions => ({
  maxNewTokens,
  temperature: opts.temperature,
  topK: opts.topK,
  topP: opts.topP,
  seed,
  stopTokenIds: [opts.stopTokenId],
  recordTopK: 1,
});

async function branchFromCaches(model: Model, flat: readonly FlatRequest[], opts: BranchOptions): Promise<DecodedRow[]> {
  const cuts = flat.map(({ g, req }) => {
    const logp = g.base.logpAt.get(req.index);
    if (!logp) throw new Error(`runBranches: no next-token log-probs kept for step ${req.index}`);
    return { cache: g.base.cache, row: 0, length: g.base.promptLength + req.index, logp };
  });
  return decodeRows(model, forkCachesAt(cuts), flat.map(({ req }) => req.forcedToken), flat.map(({ req }) => budgetOf(req, opts)), opts);
}

async function branchNaively(model: Model, flat: readonly FlatRequest[], opts: BranchOptions): Promise<DecodedRow[]> {
  const out: DecodedRow[] = [];
  for (const [r, { g, req }] of flat.entries()) {
    const prefix = [...g.promptIds, ...g.base.steps.slice(0, req.index).map((s) => s.id)];
    const res = await generate(model, prefix, { ...sampleOptions(opts, budgetOf(req, opts), opts.seed + r), forcedPrefix: [req.forcedToken] });
    out.push({ tokens: res.tokens, logprobs: res.steps.map((s) => s.logprob), stoppedBy: res.stoppedBy === 'stop_token' ? 'stop_token' : 'length' });
  }
  return out;
}

/** Branches to fork at base step t (each forces its token in place of the base's), optionally with their own seed. */
export type BranchChooser = (t: number, step: DecodedStep) => (Omit<BranchRequest, 'index'> & { seed?: number })[];

/**
 * The base trajectory and its branches in one batched decode: at each base step `choose` names the branches
 * that diverge there, and each joins the batch at once as a copy of the base row, so branch suffixes ride
 * along in the base's decode steps instead of a separate branch phase. Gives what decodeTrajectory then
 * runBranches give (either path) for the same requests, with request r = the r-th branch chosen (seed + r
 * unless it names its seed). A choice that needs later steps forks a superset and narrows it with `revise`
 * (rows by choice number: dropped ones leave the batch and the result, budgets are only capped further);
 * `runs` are the kept branches in choice order.
 */
export async function decodeWithBranches(model: Model, promptIds: number[], decode: DecodeOptions, choose: BranchChooser, opts: Omit<BranchOptions, 'reusePrefix'>, revise?: ReviseRows): Promise<{ base: Omit<DecodedTrajectory, 'cache'>; runs: BranchRun[] }> {
  const requests: BranchRequest[] = [];
  const out = await decodeRowsAlongside(model, promptIds, decode, (t, step) =>
    choose(t, step).map(({ seed, ...c }) => {
      const req = { ...c, index: t };
      requests.push(req);
      return { forcedToken: req.forcedToken, budget: budgetOf(req, opts), seed };
    }), opts, revise && ((t, ended) => {
    const rev = revise(t, ended);
    for (const [r, budget] of rev.budgets) requests[r] = { ...requests[r], budget };
    return { drop: rev.drop, budgets: rev.budgets.map(([r]): [number, number] => [r, budgetOf(requests[r], opts)]) };
  }));
  const runs = out.rows.flatMap((res, r): BranchRun[] => (res ? [{ ...requests[r], ids: res.tokens, logprobs: res.logprobs, stoppedBy: res.stoppedBy }] : []));
  return { base: out.base, runs };
}
