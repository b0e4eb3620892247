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
import { buildTokenPairs, withoutLogps, type BranchView, type TrajectoryView } from './token_pairs.ts';
import { buildTurnContext, toolCallTurns } from './turn_context.ts';
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

/** Pairs for the assistant tool-call turn at `turnIndex` of `sample` (the mode is config.mode). */
export async function buildPairsForSample(model: Model, tokenizer: Tokenizer, sample: Sample, turnIndex: number, config: PreferenceConfig, rng: Rng, scoring: ScoringConfig = DEFAULT_SCORING_CONFIG): Promise<SamplePairs> {
  const ctx = buildTurnContext(tokenizer, sample, turnIndex, scoring);
  const room = model.config.max_position_embeddings;
  if (ctx.promptIds.length + config.maxNewTokens > room) {
    throw new PromptTooLongError(`sample ${sample.id} turn ${turnIndex}: ${ctx.promptIds.length} prompt tokens + maxNewTokens ${config.maxNewTokens} exceed the model's ${room} positions`);
  }
  const head = { sampleId: sample.id, turnIndex, mode: config.mode };
  if (config.mode === 'token') {
    const r = await buildTokenPairs(model, tokenizer, ctx, config, rng);
    const pairs = dedupePairs(r.pairs);
    const outcome: PromptOutcome = { pairs: pairs.length, divergenceSpans: r.divergences.map((d) => d.span), branches: r.branches.length, decodedTokens: r.decodedTokens, baseEsm: r.trajectory.esm, promptTokens: ctx.promptIds.length, branchMs: r.branchMs };
    return { ...head, trajectory: r.trajectory, divergences: r.divergences, branches: r.branches, pairs, outcome };
  }
  const r = await buildTurnPairs(model, tokenizer, ctx, config, scoring, rng);
  const pairs = config.refLogps ? r.pairs : r.pairs.map(withoutLogps);
  const meanEsm = r.samples.reduce((s, c) => s + c.esm, 0) / Math.max(1, r.samples.length);
  const outcome: PromptOutcome = { pairs: pairs.length, divergenceSpans: [], branches: 0, decodedTokens: r.decodedTokens, baseEsm: meanEsm, promptTokens: ctx.promptIds.length, branchMs: 0 };
  return { ...head, divergences: [], branches: [], samples: r.samples, pairs, outcome };
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
 * Pairs for every assistant tool-call turn of every sample, in order. Prompt i draws its randomness
 * from the i-th fork of createRng(config.seed), so the same seed gives the same pairs. Prompts too
 * long for the model's positions are skipped and counted (stats.skippedTooLong).
 */
export async function buildPairs(model: Model, tokenizer: Tokenizer, samples: readonly Sample[], config: PreferenceConfig, options: BuildOptions = {}): Promise<BuildResult> {
  const now = options.now ?? (() => performance.now());
  const items = samples.flatMap((s) => toolCallTurns(s).map((turn) => ({ sample: s, turn })));
  const rng = createRng(config.seed);
  const start = now();
  const outcomes: PromptOutcome[] = [];
  const all: PreferencePair[] = [];
  const details: SamplePairs[] = [];
  let stopped = false;
  let skipped = 0;
  for (const [i, item] of items.entries()) {
    if (await options.shouldStop?.()) {
      stopped = true;
      break;
    }
    const seed = rng.fork();
    try {
      const r = await buildPairsForSample(model, tokenizer, item.sample, item.turn, config, createRng(seed), options.scoring);
      outcomes.push(r.outcome);
      all.push(...r.pairs);
      if (options.keepDetails) details.push(r);
      options.onPrompt?.(r, i);
    } catch (err) {
      if (!(err instanceof PromptTooLongError)) throw err;
      skipped++;
    }
    const elapsedMs = now() - start;
    options.onProgress?.({ done: i + 1, total: items.length, pairs: all.length, elapsedMs, etaMs: (elapsedMs / (i + 1)) * (items.length - i - 1) });
  }
  const pairs = dedupePairs(all);
  const stats = pairStats(config.mode, outcomes, pairs, { duplicatesRemoved: all.length - pairs.length, skippedTooLong: skipped, elapsedMs: now() - start });
  return { pairs, stats, stopped, ...(options.keepDetails ? { details } : {}) };
}
