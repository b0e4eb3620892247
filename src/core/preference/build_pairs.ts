// The sampler's entry points: pairs for one sample turn (with everything the app's teaching view
// shows), and pairs for a whole dataset with progress, cancellation, de-duplication and statistics.
import type { Sample } from '../data/sample.ts';
import type { Model } from '../model/params.ts';
import { createRng, type Rng } from '../rng.ts';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from '../scoring/config.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import type { PairMode, PreferenceConfig } from './config.ts';
import type { DivergencePoint } from './divergence.ts';
import { dedupePairs, type Completion, type PreferencePair } from './pairing.ts';
import { pairStats, type PairStats, type PromptOutcome } from './stats.ts';
import { buildTokenPairs, buildTokenPairsBatch, withoutLogps, type BranchView, type TokenPairsResult, type TrajectoryView } from './token_pairs.ts';
import { buildTurnContext, pairTurns, type TurnContext } from './turn_context.ts';
import { buildTurnPairs } from './turn_pairs.ts';

export interface SamplePairs {
  sampleId: string;
  turnIndex: number;
  mode: PairMode;
  /** Token mode: the base trajectory with per-token probabilities, alternatives and span types. */
  trajectory?: TrajectoryView;
  divergences: DivergencePoint[];
  branches: BranchView[];
  /** Turn and sequence modes: the scored samples. */
  samples?: Completion[];
  pairs: PreferencePair[];
  outcome: PromptOutcome;
}

/** A prompt that does not fit the model's positions with room for the completion. */
export class PromptTooLongError extends Error {}

/**
 * A text turn whose ground-truth answer (end-of-turn token included) is longer than maxNewTokens tokens.
 * The chosen side of a pair is never cut (TRL closes every completion with the end-of-turn token), so
 * such turns are left out: every pair's sides stay within maxNewTokens.
 */
export class AnswerTooLongError extends Error {}

/** The prompt of a turn, checked to fit the model's positions with room for the completion (and, for a text turn, its answer to fit maxNewTokens). */
function promptContext(model: Model, tokenizer: Tokenizer, sample: Sample, turnIndex: number, config: PreferenceConfig, scoring: ScoringConfig): TurnContext {
  const ctx = buildTurnContext(tokenizer, sample, turnIndex, scoring);
  const room = model.config.max_position_embeddings;
  if (ctx.promptIds.length + config.maxNewTokens > room) {
    throw new PromptTooLongError(`sample ${sample.id} turn ${turnIndex}: ${ctx.promptIds.length} prompt tokens + maxNewTokens ${config.maxNewTokens} exceed the model's ${room} positions`);
  }
  const answer = ctx.turnType === 'text' ? tokenizer.encode(ctx.truthText + ctx.eosText).length : 0;
  if (answer > config.maxNewTokens) {
    throw new AnswerTooLongError(`sample ${sample.id} turn ${turnIndex}: the ${answer}-token answer exceeds maxNewTokens ${config.maxNewTokens}`);
  }
  return ctx;
}

function tokenSamplePairs(ctx: TurnContext, r: TokenPairsResult): SamplePairs {
  const pairs = dedupePairs(r.pairs);
  const outcome: PromptOutcome = {
    turnType: ctx.turnType, pairs: pairs.length, divergenceSpans: r.divergences.map((d) => d.span), branches: r.branches.length, decodedTokens: r.decodedTokens,
    baseEsm: r.trajectory.esm, promptTokens: ctx.promptIds.length, branchMs: r.branchMs,
  };
  return { sampleId: ctx.sample.id, turnIndex: ctx.turnIndex, mode: 'token', trajectory: r.trajectory, divergences: r.divergences, branches: r.branches, pairs, outcome };
}

/** Pairs for the assistant turn (tool calls or plain text) at `turnIndex` of `sample` (the mode is config.mode). */
export async function buildPairsForSample(model: Model, tokenizer: Tokenizer, sample: Sample, turnIndex: number, config: PreferenceConfig, rng: Rng, scoring: ScoringConfig = DEFAULT_SCORING_CONFIG): Promise<SamplePairs> {
  const ctx = promptContext(model, tokenizer, sample, turnIndex, config, scoring);
  if (config.mode === 'token') return tokenSamplePairs(ctx, await buildTokenPairs(model, tokenizer, ctx, config, rng));
  const r = await buildTurnPairs(model, tokenizer, ctx, config, scoring, rng);
  const pairs = config.refLogps ? r.pairs : r.pairs.map(withoutLogps);
  const meanEsm = r.samples.reduce((s, c) => s + c.esm, 0) / Math.max(1, r.samples.length);
  const outcome: PromptOutcome = { turnType: ctx.turnType, pairs: pairs.length, divergenceSpans: [], branches: 0, decodedTokens: r.decodedTokens, baseEsm: meanEsm, promptTokens: ctx.promptIds.length, branchMs: 0 };
  return { sampleId: sample.id, turnIndex, mode: config.mode, divergences: [], branches: [], samples: r.samples, pairs, outcome };
}

/** Why a turn was left out. */
export type Skipped = 'prompt_too_long' | 'answer_too_long';

/** One prompt to build: an assistant turn of a sample, with its own seed. */
export interface PairItem {
  /** The sample's index in the dataset. */
  sampleIndex: number;
  sample: Sample;
  turn: number;
  seed: number;
}

/**
 * Every prompt of a dataset in order: the assistant tool-call turns of each sample (and its plain-text
 * turns with config.includeTextTurns). Prompt i's seed is the i-th fork of createRng(config.seed), so a
 * prompt's randomness depends on its place in the dataset only, never on which prompts a run builds.
 */
export function pairItems(samples: readonly Sample[], config: PreferenceConfig): PairItem[] {
  const rng = createRng(config.seed);
  return samples.flatMap((sample, sampleIndex) => pairTurns(sample, config.includeTextTurns).map((turn) => ({ sampleIndex, sample, turn, seed: rng.fork() })));
}

/**
 * Pairs for a group of prompts: in token mode their branches share one batch (config.promptBatch);
 * turns left out (prompt too long for the model, text answer longer than maxNewTokens) come back as the reason.
 */
async function buildGroup(model: Model, tokenizer: Tokenizer, items: readonly PairItem[], config: PreferenceConfig, scoring: ScoringConfig): Promise<(SamplePairs | Skipped)[]> {
  const ctxs = items.map((it): TurnContext | Skipped => {
    try {
      return promptContext(model, tokenizer, it.sample, it.turn, config, scoring);
    } catch (err) {
      if (err instanceof PromptTooLongError) return 'prompt_too_long';
      if (err instanceof AnswerTooLongError) return 'answer_too_long';
      throw err;
    }
  });
  if (config.mode !== 'token') {
    const out: (SamplePairs | Skipped)[] = [];
    for (const [i, it] of items.entries()) {
      const ctx = ctxs[i];
      out.push(typeof ctx === 'string' ? ctx : await buildPairsForSample(model, tokenizer, it.sample, it.turn, config, createRng(it.seed), scoring));
    }
    return out;
  }
  const fit = items.flatMap((it, i) => (typeof ctxs[i] === 'string' ? [] : [{ ctx: ctxs[i] as TurnContext, rng: createRng(it.seed) }]));
  const results = await buildTokenPairsBatch(model, tokenizer, fit.map((f) => f.ctx), config, fit.map((f) => f.rng));
  let j = 0;
  return ctxs.map((ctx) => (typeof ctx === 'string' ? ctx : tokenSamplePairs(ctx, results[j++])));
}

/**
 * Pairs for some prompts of pairItems (e.g. one sample's), each as its SamplePairs or the reason it was
 * left out. In token mode, groups of config.promptBatch of these prompts branch in one batch.
 */
export async function buildItems(model: Model, tokenizer: Tokenizer, items: readonly PairItem[], config: PreferenceConfig, scoring: ScoringConfig = DEFAULT_SCORING_CONFIG): Promise<(SamplePairs | Skipped)[]> {
  const group = config.mode === 'token' ? config.promptBatch : 1;
  const out: (SamplePairs | Skipped)[] = [];
  for (let i = 0; i < items.length; i += group) out.push(...(await buildGroup(model, tokenizer, items.slice(i, i + group), config, scoring)));
  return out;
}

export interface BuildProgress {
  /** Prompts (sample turns) done, of `total`. */
  done: number;
  total: number;
  pairs: number;
  elapsedMs: number;
  /** From the mean time per prompt so far. */
  etaMs?: number;
}

export interface BuildOptions {
  onProgress?: (p: BuildProgress) => void;
  /** Polled between prompts (may be async, e.g. a paused job); true stops the run (the pairs so far are kept). */
  shouldStop?: () => boolean | Promise<boolean>;
  /** Called with every prompt's result as it completes (the teaching view's live feed). */
  onPrompt?: (result: SamplePairs, index: number) => void;
  scoring?: ScoringConfig;
  /** Also return every prompt's SamplePairs (the app's teaching view); off for big runs. */
  keepDetails?: boolean;
  /** Clock for elapsed/ETA (ms); default performance.now. */
  now?: () => number;
}

export interface BuildResult {
  pairs: PreferencePair[];
  stats: PairStats;
  stopped: boolean;
  details?: SamplePairs[];
}

/**
 * Pairs for every assistant tool-call turn of every sample, in order, and every plain-text turn too
 * with config.includeTextTurns (irrelevance answers, final answers after tool results). Prompt i draws its randomness
 * from the i-th fork of createRng(config.seed), so the same seed (and promptBatch) gives the same pairs.
 * In token mode, groups of config.promptBatch prompts branch in one batch. Prompts too
 * long for the model's positions are skipped and counted (stats.skippedTooLong), as are text turns whose
 * answer is longer than maxNewTokens (stats.skippedLongAnswer).
 */
export async function buildPairs(model: Model, tokenizer: Tokenizer, samples: readonly Sample[], config: PreferenceConfig, options: BuildOptions = {}): Promise<BuildResult> {
  const now = options.now ?? (() => performance.now());
  const items = pairItems(samples, config);
  const start = now();
  const outcomes: PromptOutcome[] = [];
  const all: PreferencePair[] = [];
  const details: SamplePairs[] = [];
  let stopped = false;
  const skipped: Record<Skipped, number> = { prompt_too_long: 0, answer_too_long: 0 };
  const scoring = options.scoring ?? DEFAULT_SCORING_CONFIG;
  const group = config.mode === 'token' ? config.promptBatch : 1;
  for (let i = 0; i < items.length; i += group) {
    if (await options.shouldStop?.()) {
      stopped = true;
      break;
    }
    const chunk = items.slice(i, i + group);
    const results = await buildGroup(model, tokenizer, chunk, config, scoring);
    for (const [k, r] of results.entries()) {
      if (typeof r === 'string') {
        skipped[r]++;
        continue;
      }
      outcomes.push(r.outcome);
      all.push(...r.pairs);
      if (options.keepDetails) details.push(r);
      options.onPrompt?.(r, i + k);
    }
    const done = i + chunk.length;
    const elapsedMs = now() - start;
    options.onProgress?.({ done, total: items.length, pairs: all.length, elapsedMs, etaMs: (elapsedMs / done) * (items.length - done) });
  }
  const pairs = dedupePairs(all);
  const stats = pairStats(config.mode, outcomes, pairs, { duplicatesRemoved: all.length - pairs.length, skippedTooLong: skipped.prompt_too_long, skippedLongAnswer: skipped.answer_too_long, elapsedMs: now() - start });
  return { pairs, stats, stopped, ...(options.keepDetails ? { details } : {}) };
}
