// Turning scored completions into preference pairs: the token-level group rule, the TTPA code's
// per-turn rule, the sequence-level baseline, and de-duplication. Pure: no model, no scoring here.
import type { ErrorCategory } from '../scoring/errors.ts';
import type { Message } from '../data/messages.ts';
import type { ToolSchema } from '../tools/schema.ts';
import type { PairMode, SpanType } from './config.ts';
import type { TurnType } from './turn_context.ts';

/** Where a completion came from. */
export type CompletionSource = 'base' | 'branch' | 'ground_truth' | 'sample';

/** One scored continuation of an assistant turn, after a shared prefix (possibly empty). */
export interface Completion {
  /** Text after the shared prefix, without the end-of-turn marker. */
  text: string;
  /** Token ids after the shared prefix (the end-of-turn token included when it stopped there); empty for the ground truth. */
  ids: number[];
  /** Policy log-probabilities of `ids` (temperature 1), when decoded. */
  logprobs?: number[];
  esm: number;
  categories: ErrorCategory[];
  source: CompletionSource;
  /** The token forced at the divergence point, for branches. */
  forcedToken?: number;
}

/** A preference pair: one prompt (plus shared assistant prefix), a better and a worse continuation. */
export interface PreferencePair {
  sampleId: string;
  /** Index in sample.messages of the assistant turn the pair is about. */
  turnIndex: number;
  /** The turn's ground truth: tool calls, or plain text (then chosen is plain text and rejected made a call). */
  turnType: TurnType;
  mode: PairMode;
  /**
   * branch: a policy branch vs another at a divergence point; ground_truth: the GT token forced where the
   * base first went wrong; truth_walk: the GT vs the policy's own continuation at a later token where the
   * policy's top-1 leaves the teacher-forced GT; turn/sequence: whole turns.
   */
  kind: 'branch' | 'ground_truth' | 'truth_walk' | 'turn' | 'sequence';
  /** Conversation before the turn (last role user or tool). */
  prompt: Message[];
  tools: ToolSchema[];
  /** Assistant text shared by chosen and rejected ('' for whole-turn pairs). */
  prefix: string;
  chosen: Completion;
  rejected: Completion;
  /** Token index in the turn's completion where chosen and rejected first differ (null for whole turns; truth_walk: in the GT's tokens). */
  divergenceIndex: number | null;
  /** Span type of the divergent token (null for whole turns). */
  spanType: SpanType | null;
  /** chosen.esm - rejected.esm, > 0. */
  margin: number;
}

/** The pair-specific part: what the group rule decides (prompt and prefix are the caller's). */
export type PairSides = Pick<PreferencePair, 'chosen' | 'rejected' | 'margin'>;

const byScore = (a: Completion, b: Completion): number => b.esm - a.esm;

/** The best of a group (first on ties) against every completion strictly `minMargin` below it. */
export function bestVsRest(group: readonly Completion[], minMargin = 0): PairSides[] {
  if (group.length < 2) return [];
  const best = [...group].sort(byScore)[0];
  return group
    .filter((c) => c !== best && best.esm - c.esm > minMargin)
    .map((rejected) => ({ chosen: best, rejected, margin: best.esm - rejected.esm }));
}

/** Identity of a completion for de-duplication: its text with surrounding whitespace ignored. */
const completionKey = (c: Completion): string => c.text.trim();

/** Keeps the first completion of each distinct text (TTPA code: identical calls count once). */
export function dedupeCompletions(items: readonly Completion[]): Completion[] {
  const seen = new Set<string>();
  return items.filter((c) => {
    const k = completionKey(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The TTPA code's per-turn rule (sampling.py): de-duplicate the samples, score them; if the best is
 * below `threshold`, the ground truth is chosen and every sample rejected; else the best sample is
 * chosen and every strictly lower one rejected.
 */
export function turnRulePairs(samples: readonly Completion[], truth: Completion, threshold: number, minMargin = 0): PairSides[] {
  const unique = dedupeCompletions(samples).filter((c) => completionKey(c) !== completionKey(truth));
  const bestEsm = Math.max(-Infinity, ...dedupeCompletions(samples).map((c) => c.esm));
  if (bestEsm < threshold) {
    return unique.filter((c) => truth.esm - c.esm > minMargin).map((rejected) => ({ chosen: truth, rejected, margin: truth.esm - rejected.esm }));
  }
  return bestVsRest(dedupeCompletions(samples), minMargin);
}

/** Sequence-level baseline: the best whole sample against the worst, if they differ by more than `minMargin`. */
export function sequencePairs(samples: readonly Completion[], minMargin = 0): PairSides[] {
  const unique = dedupeCompletions(samples);
  if (unique.length < 2) return [];
  const sorted = [...unique].sort(byScore);
  const best = sorted[0];
  const worst = sorted[sorted.length - 1];
  return best.esm - worst.esm > minMargin ? [{ chosen: best, rejected: worst, margin: best.esm - worst.esm }] : [];
}

/** Drops pairs with the same sample, turn, prefix, chosen text and rejected text (first kept). */
export function dedupePairs(pairs: readonly PreferencePair[]): PreferencePair[] {
  const seen = new Set<string>();
  return pairs.filter((p) => {
    const k = JSON.stringify([p.sampleId, p.turnIndex, p.prefix, p.chosen.text, p.rejected.text]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Sum of log-probabilities, or undefined when not decoded. */
export const sumLogps = (c: Completion): number | undefined => (c.logprobs ? c.logprobs.reduce((s, x) => s + x, 0) : undefined);
