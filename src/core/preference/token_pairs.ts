// Token-level pairs for one prompt (TTPA section 2): decode the base trajectory, find divergence
// points, branch each chosen alternative from the shared prefix's cache, score everything with ESM,
// and pair completions that share the prefix up to the divergent token. Also the ground-truth pair
// at the first token where a wrong base leaves the ground truth (our addition, see forceGroundTruth).
// Text turns (no call due) branch only at the first token, the text-or-<tool_call> decision (EXPERIMENTS.md).
import type { Model } from '../model/params.ts';
import type { Rng } from '../rng.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { TOOL_CALL_OPEN } from '../scoring/parse_calls.ts';
import type { PreferenceConfig, SpanType } from './config.ts';
import { budgetDivergences, divergenceReasons, findDivergences, stepUncertainty, type DivergencePoint, type TrajectoryToken } from './divergence.ts';
import { decodeWithBranches, runBranchGroups, type BranchOptions, type BranchRequest, type BranchRun } from './branching.ts';
import { planForks } from './fork_plan.ts';
import { bestVsRest, type Completion, type PreferencePair } from './pairing.ts';
import { callSpans, classifyTokens, spanTypeAt } from './spans.ts';
import { walkGroundTruth } from './truth_walk.ts';
import { decodeTrajectory, type DecodedTrajectory, type DecodeOptions } from './trajectory.ts';
import { forwardLogprobs, type TurnContext } from './turn_context.ts';

/** A trajectory token as the app shows it: alternatives carry their display text. */
export interface TokenView extends TrajectoryToken {
  logprob: number;
  alternatives: { id: number; prob: number; text: string }[];
}

export interface TrajectoryView {
  tokens: TokenView[];
  /** The completion without the end-of-turn marker. */
  text: string;
  esm: number;
  categories: Completion['categories'];
  stoppedBy: 'stop_token' | 'length';
}

export interface BranchView {
  divergenceIndex: number;
  forcedToken: number;
  forcedText: string;
  /** Shared prefix (base tokens before the divergence). */
  prefix: string;
  /** The branch's text from the divergence point on. */
  text: string;
  esm: number;
  categories: Completion['categories'];
  /** Which side(s) of the built pairs this branch became. */
  role: 'chosen' | 'rejected' | 'both' | 'unused';
}

export interface TokenPairsResult {
  trajectory: TrajectoryView;
  divergences: DivergencePoint[];
  branches: BranchView[];
  pairs: PreferencePair[];
  /** Tokens decoded: base + every branch. */
  decodedTokens: number;
  /** Wall time of the branching phase alone (what prefix reuse speeds up); with forkWhileDecoding, the time branches ran past the base's end. */
  branchMs: number;
}

export async function buildTokenPairs(model: Model, tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, rng: Rng): Promise<TokenPairsResult> {
  return (await buildTokenPairsBatch(model, tokenizer, [ctx], cfg, [rng]))[0];
}

/** A base trajectory as pairing reads it (no cache needed). */
type BaseSteps = Pick<DecodedTrajectory, 'steps' | 'stoppedBy'>;

/** One prompt's choice of branches over its whole base trajectory. */
interface Chosen {
  ctx: TurnContext;
  base: BaseSteps;
  trajectory: TrajectoryView;
  divergences: DivergencePoint[];
  requests: BranchRequest[];
}

/** One prompt after its base decode (two-phase): what branching needs. Owns `base.cache`. */
interface Prepared extends Chosen {
  base: DecodedTrajectory;
  branchSeed: number;
}

const decodeOptions = (ctx: TurnContext, cfg: PreferenceConfig, seed: number, keepLogp: DecodeOptions['keepLogp']): DecodeOptions => ({
  maxNewTokens: cfg.maxNewTokens, temperature: cfg.temperature, topK: cfg.sampleTopK, topP: cfg.topP, seed,
  stopTokenId: ctx.eosId, recordTopK: cfg.topK, keepLogp,
});

const branchOptions = (cfg: PreferenceConfig, seed: number, stopTokenId: number): BranchOptions => ({
  maxNewTokens: cfg.maxNewTokens, temperature: cfg.branchTemperature, topK: cfg.sampleTopK, topP: cfg.topP, seed, stopTokenId, reusePrefix: cfg.reusePrefix,
});

/** Divergence points and branch requests from the whole base: its spans, the per-prompt budget. */
function chooseBranches(tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, base: BaseSteps): Chosen {
  const trajectory = viewTrajectory(tokenizer, ctx, base);
  const found = findDivergences(trajectory.tokens, cfg);
  // A text turn's only decision that ESM can rank is its first token: plain text or a call.
  const candidates = ctx.turnType === 'text' ? found.filter((p) => p.index === 0) : found;
  const divergences = budgetDivergences(candidates, cfg.maxBranchesPerPrompt);
  const L = base.steps.length;
  const budget = (t: number): number | undefined => (base.stoppedBy === 'stop_token' ? L - t + cfg.maxBranchOverrun : undefined);
  const requests = divergences.flatMap((p) => p.alternatives.map((a) => ({ index: p.index, forcedToken: a.id, budget: budget(p.index) })));
  return { ctx, base, trajectory, divergences, requests };
}

async function prepare(model: Model, tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, rng: Rng): Promise<Prepared> {
  const baseSeed = rng.fork();
  const branchSeed = rng.fork();
  const base = await decodeTrajectory(model, ctx.promptIds, decodeOptions(ctx, cfg, baseSeed, (alts) => divergenceReasons(stepUncertainty(alts), cfg).length > 0));
  try {
    return { ...chooseBranches(tokenizer, ctx, cfg, base), base, branchSeed };
  } catch (err) {
    base.cache.dispose();
    throw err;
  }
}

/**
 * One prompt with its branches forked while the base decodes (forkWhileDecoding): the same choice as
 * the two-phase path (fork_plan.ts); a sampled branch is seeded by its step and alternative.
 * `branchMs` is the time branches ran past the end of the base.
 */
async function buildOverlapped(model: Model, tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, rng: Rng): Promise<TokenPairsResult> {
  const baseSeed = rng.fork();
  const branchSeed = rng.fork();
  let chosen: Chosen | undefined;
  const plan = planForks(tokenizer, ctx, cfg, branchSeed, (base) => (chosen = chooseBranches(tokenizer, ctx, cfg, base)).requests);
  const { runs } = await decodeWithBranches(model, ctx.promptIds, decodeOptions(ctx, cfg, baseSeed, () => false), plan.choose, branchOptions(cfg, branchSeed, ctx.eosId), plan.revise);
  return finish(model, tokenizer, chosen!, runs, cfg, performance.now() - plan.endedAt());
}

/** Whether buildTokenPairsBatch forks branches while each base decodes (one prompt at a time). */
const overlaps = (cfg: PreferenceConfig): boolean => cfg.forkWhileDecoding && cfg.reusePrefix && cfg.promptBatch === 1;

/**
 * Token-level pairs for several prompts. With forkWhileDecoding (and reusePrefix, promptBatch 1) each
 * prompt's branches fork while its base decodes. Otherwise (two-phase) each base is decoded on its own,
 * then the branches of all prompts run as one batch (forked from every prompt's cache), seeded by the
 * first prompt's RNG. One prompt gives exactly buildTokenPairs' result; `branchMs` is the shared batch's time, split by branch count.
 */
export async function buildTokenPairsBatch(model: Model, tokenizer: Tokenizer, ctxs: readonly TurnContext[], cfg: PreferenceConfig, rngs: readonly Rng[]): Promise<TokenPairsResult[]> {
  if (overlaps(cfg)) {
    const out: TokenPairsResult[] = [];
    for (const [i, ctx] of ctxs.entries()) out.push(await buildOverlapped(model, tokenizer, ctx, cfg, rngs[i]));
    return out;
  }
  const prepared: Prepared[] = [];
  try {
    for (const [i, ctx] of ctxs.entries()) prepared.push(await prepare(model, tokenizer, ctx, cfg, rngs[i]));
    const branchStart = performance.now();
    const runs = await runBranchGroups(model, prepared.map((p) => ({ promptIds: p.ctx.promptIds, base: p.base, requests: p.requests })), branchOptions(cfg, prepared[0]?.branchSeed ?? 0, ctxs[0]?.eosId ?? -1));
    const branchMs = performance.now() - branchStart;
    const total = Math.max(1, prepared.reduce((s, p) => s + p.requests.length, 0));
    const out: TokenPairsResult[] = [];
    for (const [i, p] of prepared.entries()) out.push(await finish(model, tokenizer, p, runs[i], cfg, (branchMs * p.requests.length) / total));
    return out;
  } finally {
    for (const p of prepared) p.base.cache.dispose();
  }
}

async function finish(model: Model, tokenizer: Tokenizer, prep: Chosen, runs: BranchRun[], cfg: PreferenceConfig, branchMs: number): Promise<TokenPairsResult> {
  const { ctx, base, trajectory, divergences } = prep;
  const baseIds = base.steps.map((s) => s.id);
  const baseLogps = base.steps.map((s) => s.logprob);
  const branchCompletions = runs.map((run) => branchCompletion(tokenizer, ctx, baseIds, run));
  const pairs = divergences.flatMap((point) => {
    const prefix = tokenizer.decode(baseIds.slice(0, point.index));
    const own: Completion = {
      text: trajectory.text.slice(prefix.length), ids: baseIds.slice(point.index), logprobs: baseLogps.slice(point.index),
      esm: trajectory.esm, categories: trajectory.categories, source: 'base',
    };
    const group = [own, ...branchCompletions.filter((_, i) => runs[i].index === point.index).map((b) => b.completion)];
    return bestVsRest(group, cfg.minMargin).map((sides) => makePair(ctx, 'branch', prefix, point.index, point.span, sides));
  });
  const gt = cfg.forceGroundTruth ? groundTruthPair(model, tokenizer, ctx, cfg, trajectory, baseIds, baseLogps) : undefined;
  if (gt) pairs.push(gt);
  // Along a text answer, only points where the policy would open a call can score lower than the truth.
  const opensCall = (id: number): boolean => tokenizer.decode([id]).trimStart().startsWith(TOOL_CALL_OPEN);
  const accept = ctx.turnType === 'text' ? opensCall : undefined;
  const walk = gt && cfg.groundTruthPoints > 0 ? await walkGroundTruth(model, tokenizer, ctx, cfg.groundTruthPoints, cfg.maxNewTokens, gt.prefix.length, accept) : [];
  const truthSpans = walk.length ? callSpans(ctx.truthText) : [];
  for (const w of walk) {
    if (w.chosen.esm - w.rejected.esm <= cfg.minMargin) continue;
    const span = spanTypeAt(truthSpans, w.prefix.length, w.prefix.length + Math.max(1, tokenizer.decode([w.chosen.ids[0]]).length));
    pairs.push(makePair(ctx, 'truth_walk', w.prefix, w.index, span, { chosen: w.chosen, rejected: w.rejected, margin: w.chosen.esm - w.rejected.esm }));
  }
  const branches = runs.map((run, i): BranchView => {
    const { prefix, completion: c } = branchCompletions[i];
    return {
      divergenceIndex: run.index, forcedToken: run.forcedToken, forcedText: tokenizer.tokenString(run.forcedToken),
      prefix, text: c.text, esm: c.esm, categories: c.categories, role: roleOf(c, pairs),
    };
  });
  const decodedTokens = base.steps.length + runs.reduce((s, r) => s + r.ids.length, 0) + walk.reduce((s, w) => s + w.rejected.ids.length, 0);
  return { trajectory, divergences, branches, pairs: cfg.refLogps ? pairs : pairs.map(withoutLogps), decodedTokens, branchMs };
}

function viewTrajectory(tokenizer: Tokenizer, ctx: TurnContext, base: BaseSteps): TrajectoryView {
  const ids = base.steps.map((s) => s.id);
  const ends = ids.map((_, i) => tokenizer.decode(ids.slice(0, i + 1)).length);
  const fullText = tokenizer.decode(ids);
  const ranges = ids.map((_, i): [number, number] => [i ? ends[i - 1] : 0, ends[i]]);
  // A text turn has no name/key/value to get right: every token, a call's included, is 'format'.
  const spans = ctx.turnType === 'text' ? ranges.map((): SpanType => 'format') : classifyTokens(fullText, ranges, ctx.truthText + ctx.eosText);
  const stopped = base.stoppedBy === 'stop_token';
  const text = tokenizer.decode(stopped ? ids.slice(0, -1) : ids);
  const scored = ctx.score(text);
  const tokens = base.steps.map((s, i): TokenView => ({
    id: s.id, text: fullText.slice(ranges[i][0], ranges[i][1]), charStart: ranges[i][0], charEnd: ranges[i][1],
    prob: Math.exp(s.logprob), logprob: s.logprob, span: spans[i],
    alternatives: s.alternatives.map((a) => ({ ...a, text: tokenizer.tokenString(a.id) })),
  }));
  return { tokens, text, esm: scored.esm, categories: scored.categories, stoppedBy: base.stoppedBy };
}

function branchCompletion(tokenizer: Tokenizer, ctx: TurnContext, baseIds: number[], run: BranchRun): { prefix: string; completion: Completion } {
  const prefix = tokenizer.decode(baseIds.slice(0, run.index));
  const own = run.stoppedBy === 'stop_token' ? run.ids.slice(0, -1) : run.ids;
  const whole = tokenizer.decode([...baseIds.slice(0, run.index), ...own]);
  const scored = ctx.score(whole);
  return {
    prefix,
    completion: { text: whole.slice(prefix.length), ids: run.ids, logprobs: run.logprobs, esm: scored.esm, categories: scored.categories, source: 'branch', forcedToken: run.forcedToken },
  };
}

/**
 * TTPA's "ground truth as chosen", at token level: when the base is wrong, the ground truth from the
 * first token where the base text leaves the ground-truth rendering is chosen, the base's own
 * continuation from there rejected; both share the base prefix before that token.
 */
function groundTruthPair(model: Model, tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, traj: TrajectoryView, baseIds: number[], baseLogps: number[]): PreferencePair | undefined {
  const truth = ctx.score(ctx.truthText);
  if (truth.esm - traj.esm <= cfg.minMargin) return undefined;
  const target = ctx.truthText + ctx.eosText;
  const fullText = traj.tokens.map((t) => t.text).join('');
  const j = traj.tokens.findIndex((t) => !target.startsWith(fullText.slice(0, t.charEnd)));
  if (j < 0) return undefined;
  const prefix = tokenizer.decode(baseIds.slice(0, j));
  if (!ctx.truthText.startsWith(prefix)) return undefined;
  const chosenText = ctx.truthText.slice(prefix.length);
  const chosenIds = tokenizer.encode(chosenText + ctx.eosText);
  const chosen: Completion = {
    text: chosenText, ids: chosenIds, esm: truth.esm, categories: truth.categories, source: 'ground_truth',
    logprobs: cfg.refLogps ? forwardLogprobs(model, [...ctx.promptIds, ...baseIds.slice(0, j)], chosenIds) : undefined,
  };
  const rejected: Completion = {
    text: traj.text.slice(prefix.length), ids: baseIds.slice(j), logprobs: baseLogps.slice(j),
    esm: traj.esm, categories: traj.categories, source: 'base',
  };
  return makePair(ctx, 'ground_truth', prefix, j, traj.tokens[j].span, { chosen, rejected, margin: chosen.esm - rejected.esm });
}

export function makePair(ctx: TurnContext, kind: PreferencePair['kind'], prefix: string, index: number, span: PreferencePair['spanType'], sides: Pick<PreferencePair, 'chosen' | 'rejected' | 'margin'>): PreferencePair {
  return {
    sampleId: ctx.sample.id, turnIndex: ctx.turnIndex, turnType: ctx.turnType, mode: 'token', kind, prompt: ctx.prompt, tools: ctx.sample.tools,
    prefix, chosen: sides.chosen, rejected: sides.rejected, divergenceIndex: index, spanType: span, margin: sides.margin,
  };
}

/** Without refLogps, pairs carry no log-probabilities (the export then has no ref_* fields). */
export const withoutLogps = (p: PreferencePair): PreferencePair => ({ ...p, chosen: { ...p.chosen, logprobs: undefined }, rejected: { ...p.rejected, logprobs: undefined } });

function roleOf(c: Completion, pairs: readonly PreferencePair[]): BranchView['role'] {
  const chosen = pairs.some((p) => p.chosen === c);
  const rejected = pairs.some((p) => p.rejected === c);
  return chosen && rejected ? 'both' : chosen ? 'chosen' : rejected ? 'rejected' : 'unused';
}
