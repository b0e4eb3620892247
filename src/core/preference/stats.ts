// Statistics of a pair-building run: pairs per prompt, where divergences sit (name/key/value/format),
// score margins, rejected-side error categories, the share of prompts with no useful pair, and call
// turns apart from text turns. Pure.
import type { PairMode, SpanType } from './config.ts';
import type { PreferencePair } from './pairing.ts';
import type { TurnType } from './turn_context.ts';

/** What one prompt (sample turn) contributed. */
export interface PromptOutcome {
  turnType: TurnType;
  pairs: number;
  /** Divergence points branched (token mode). */
  divergenceSpans: SpanType[];
  branches: number;
  /** Tokens decoded for this prompt (base + branches, or all samples). */
  decodedTokens: number;
  /** ESM of the base trajectory (token mode) or the mean sample ESM (turn/sequence). */
  baseEsm: number;
  /** Prompt length in tokens. */
  promptTokens: number;
  /** Wall time of the branching phase (token mode; 0 otherwise; with forkWhileDecoding, only past the base's end). */
  branchMs: number;
}

/** What the statistics read of a pair: a PreferencePair, or one read back from its TRL record (trlPairFacts). */
export type PairFacts = Pick<PreferencePair, 'spanType' | 'kind' | 'turnType' | 'margin'> & { rejected: { categories: readonly string[] } };

export interface Summary {
  mean: number;
  min: number;
  median: number;
  max: number;
}

export interface PairStats {
  mode: PairMode;
  prompts: number;
  pairs: number;
  pairsPerPrompt: number;
  /** Prompts by number of pairs: {"0": 3, "1": 5, "2+": ...} keyed by exact count. */
  pairsPerPromptHistogram: Record<string, number>;
  /** Share of prompts that gave no pair, in [0, 1]. */
  noPairShare: number;
  divergences: number;
  divergencesBySpan: Record<SpanType, number>;
  pairsBySpan: Record<SpanType | 'none', number>;
  pairsByKind: Record<PreferencePair['kind'], number>;
  branches: number;
  margin: Summary;
  rejectedCategories: Record<string, number>;
  meanBaseEsm: number;
  /** Prompts by the ground truth's kind (tool calls or plain text). */
  promptsByTurn: Record<TurnType, number>;
  /** Pairs by turn type: text-turn pairs have a plain-text chosen and a rejected that made a call. */
  pairsByTurn: Record<TurnType, number>;
  /** meanBaseEsm per turn type; for text turns, the share of bases (samples) answered in plain text. 0 without prompts. */
  meanBaseEsmByTurn: Record<TurnType, number>;
  decodedTokens: number;
  meanPromptTokens: number;
  duplicatesRemoved: number;
  /** Prompts left out because prompt + maxNewTokens exceed the model's positions. */
  skippedTooLong: number;
  /** Text turns left out because their ground-truth answer is longer than maxNewTokens tokens. */
  skippedLongAnswer: number;
  elapsedMs: number;
  /** Of elapsedMs, the time spent decoding branches (token mode). */
  branchMs: number;
}

export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) return { mean: 0, min: 0, median: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return {
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    min: s[0],
    median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2,
    max: s[s.length - 1],
  };
}

const spanCounts = (): Record<SpanType, number> => ({ name: 0, key: 0, value: 0, format: 0 });

export function pairStats(mode: PairMode, outcomes: readonly PromptOutcome[], pairs: readonly PairFacts[], extra: { duplicatesRemoved: number; skippedTooLong?: number; skippedLongAnswer?: number; elapsedMs: number }): PairStats {
  const histogram: Record<string, number> = {};
  const divergencesBySpan = spanCounts();
  for (const o of outcomes) {
    histogram[String(o.pairs)] = (histogram[String(o.pairs)] ?? 0) + 1;
    for (const s of o.divergenceSpans) divergencesBySpan[s]++;
  }
  const pairsBySpan: PairStats['pairsBySpan'] = { ...spanCounts(), none: 0 };
  const pairsByKind: PairStats['pairsByKind'] = { branch: 0, ground_truth: 0, truth_walk: 0, turn: 0, sequence: 0 };
  const rejectedCategories: Record<string, number> = {};
  for (const p of pairs) {
    pairsBySpan[p.spanType ?? 'none']++;
    pairsByKind[p.kind]++;
    for (const c of new Set(p.rejected.categories)) rejectedCategories[c] = (rejectedCategories[c] ?? 0) + 1;
  }
  const n = outcomes.length;
  const pairsByTurn: Record<TurnType, number> = { call: 0, text: 0 };
  for (const p of pairs) pairsByTurn[p.turnType]++;
  const of = (t: TurnType): PromptOutcome[] => outcomes.filter((o) => o.turnType === t);
  const meanEsm = (os: readonly PromptOutcome[]): number => (os.length ? os.reduce((s, o) => s + o.baseEsm, 0) / os.length : 0);
  return {
    mode,
    prompts: n,
    pairs: pairs.length,
    pairsPerPrompt: n ? pairs.length / n : 0,
    pairsPerPromptHistogram: histogram,
    noPairShare: n ? outcomes.filter((o) => o.pairs === 0).length / n : 0,
    divergences: outcomes.reduce((s, o) => s + o.divergenceSpans.length, 0),
    divergencesBySpan,
    pairsBySpan,
    pairsByKind,
    branches: outcomes.reduce((s, o) => s + o.branches, 0),
    margin: summarize(pairs.map((p) => p.margin)),
    rejectedCategories,
    meanBaseEsm: meanEsm(outcomes),
    promptsByTurn: { call: of('call').length, text: of('text').length },
    pairsByTurn,
    meanBaseEsmByTurn: { call: meanEsm(of('call')), text: meanEsm(of('text')) },
    decodedTokens: outcomes.reduce((s, o) => s + o.decodedTokens, 0),
    meanPromptTokens: n ? outcomes.reduce((s, o) => s + o.promptTokens, 0) / n : 0,
    duplicatesRemoved: extra.duplicatesRemoved,
    skippedTooLong: extra.skippedTooLong ?? 0,
    skippedLongAnswer: extra.skippedLongAnswer ?? 0,
    elapsedMs: extra.elapsedMs,
    branchMs: outcomes.reduce((s, o) => s + o.branchMs, 0),
  };
}

/**
 * A warning when the pairs that decide whether to call a tool at all are one-sided: those whose rejected side made
 * a call where none was due (`irrelevance`: the pair prefers not calling) against those whose rejected side made none
 * where one was due (`no_call`: it prefers calling). Measured here, such pairs (104 against 9 of 4,050) taught the
 * model to stop calling tools at a DPO learning rate of 1e-3 (EXPERIMENTS.md, "Capacity and budget").
 */
export function turnDecisionWarning(stats: Pick<PairStats, 'rejectedCategories'>): string | undefined {
  const refuse = stats.rejectedCategories.irrelevance ?? 0;
  const call = stats.rejectedCategories.no_call ?? 0;
  if (refuse + call < 10 || Math.max(refuse, call) < 3 * Math.max(1, Math.min(refuse, call))) return undefined;
  const [more, fewer] = refuse > call ? ['not calling a tool', 'calling one'] : ['calling a tool', 'not calling one'];
  return `turn decisions are one-sided: ${Math.max(refuse, call)} pairs prefer ${more}, ${Math.min(refuse, call)} prefer ${fewer}; ` +
    `DPO on such pairs at lr 1e-3 has taught models here to ${refuse > call ? 'stop calling tools' : 'call tools where none fits'} ` +
    `(EXPERIMENTS.md, "Capacity and budget"); the validation sweep's in-turn filter leaves them out`;
}
