// Where greedy decoding first leaves a turn's ground truth, read from one teacher-forced pass: at each target token
// the truth's log-prob and the most likely other token's. Up to the first token where another is more likely,
// greedy decoding (same prompt, same tokens) writes the truth; the margin there (truth minus best other) says how far
// a model is from fixing the turn. Comparing models at a common starting model's first misses on held-out turns
// measures whether an update moved the very tokens token-level pairs push on, before any turn flips. Pure: the
// log-probs come from model/turn_logps.ts (the loop's firstmiss stages, scripts/first_miss.ts).
import { median as medianOf } from '../bench/timing.ts';
import { mcnemarExact, turnKey } from './significance.ts';

/** One assistant turn of one sample: per target token, log p(truth) and the largest log p of any other token. */
export interface TurnLogps {
  sampleId: string;
  /** Index of the assistant message within the sample. */
  turn: number;
  /** The ground truth calls a tool. */
  call: boolean;
  truth: number[];
  bestOther: number[];
}

/** Index of the first token where another token is strictly more likely than the truth; -1 when there is none. */
export function firstMiss(t: Pick<TurnLogps, 'truth' | 'bestOther'>): number {
  if (t.truth.length !== t.bestOther.length) throw new Error(`firstMiss: ${t.truth.length} truth log-probs against ${t.bestOther.length} others`);
  return t.truth.findIndex((v, i) => v < t.bestOther[i]);
}

/** margin at token i: log p(truth) − log p(best other); > 0 where greedy writes the truth. */
export const marginAt = (t: Pick<TurnLogps, 'truth' | 'bestOther'>, i: number): number => t.truth[i] - t.bestOther[i];

/** The median, NaN when there is nothing to take it of (a model with no first miss to read). */
const median = (xs: number[]): number => (xs.length ? medianOf(xs) : NaN);

export interface ModelAtMisses {
  /** Call turns the model is scored on (those of the base it has too). */
  callTurns: number;
  /** Call turns with no miss at all: greedy decoding writes the whole truth (teacher-forced exact). */
  clean: number;
  /** Of the base's clean call turns, those still clean; of its missed ones, those now clean. */
  keptClean: number;
  repaired: number;
  /**
   * Turns whose first miss now comes later than the base's (its miss fixed, another after it) or earlier (a clean
   * turn broken counts here too).
   */
  movedLater: number;
  movedEarlier: number;
  /**
   * Median count of missed tokens (another token more likely than the truth) in a call turn with any, teacher-forced,
   * and how many such turns have exactly one: the turns one token's fix would make clean.
   */
  medianMisses: number;
  oneMiss: number;
  /** The base's first misses on call turns, and how many of them this model now gets right (margin > 0). */
  points: number;
  fixed: number;
  /** Median margin (nats) at those points, and the median log p(truth) there. */
  medianMargin: number;
  medianTruthLogp: number;
  /**
   * New misses: tokens of the call turns the base gets right that this model misses (anywhere in the turn, before
   * or after the base's first miss), and the turns holding any. What an update breaks beside what it fixes; absent in
   * reports written before it was counted.
   */
  newMissTokens?: number;
  newMissTurns?: number;
}

/** Tokens the base gets right (no other token more likely) that the model misses, in one turn. */
function newMisses(base: Pick<TurnLogps, 'truth' | 'bestOther'>, model: Pick<TurnLogps, 'truth' | 'bestOther'>): number {
  let n = 0;
  for (let k = 0; k < base.truth.length; k++) if (base.truth[k] >= base.bestOther[k] && model.truth[k] < model.bestOther[k]) n++;
  return n;
}

/** One model against the base's first misses on the call turns both have. */
export function atBaseMisses(base: readonly TurnLogps[], model: readonly TurnLogps[]): ModelAtMisses {
  const byKey = new Map(model.map((t) => [turnKey(t), t]));
  let [callTurns, clean, keptClean, repaired, movedLater, movedEarlier, newMissTokens, newMissTurns] = [0, 0, 0, 0, 0, 0, 0, 0];
  const margins: number[] = [];
  const truths: number[] = [];
  const misses: number[] = [];
  for (const b of base) {
    const m = byKey.get(turnKey(b));
    if (!b.call || !m) continue;
    if (m.truth.length !== b.truth.length) throw new Error(`${turnKey(b)}: ${m.truth.length} target tokens against the base's ${b.truth.length} (another tokenizer?)`);
    callTurns++;
    const fresh = newMisses(b, m);
    newMissTokens += fresh;
    if (fresh > 0) newMissTurns++;
    const [i, j] = [firstMiss(b), firstMiss(m)];
    if (j < 0) clean++;
    else misses.push(m.truth.filter((v, k) => v < m.bestOther[k]).length);
    if (i < 0) {
      if (j < 0) keptClean++;
      else movedEarlier++;
      continue;
    }
    if (j < 0) repaired++;
    else if (j > i) movedLater++;
    else if (j < i) movedEarlier++;
    margins.push(marginAt(m, i));
    truths.push(m.truth[i]);
  }
  return { callTurns, clean, keptClean, repaired, movedLater, movedEarlier, medianMisses: median(misses), oneMiss: misses.filter((n) => n === 1).length, points: margins.length, fixed: margins.filter((x) => x > 0).length, medianMargin: median(margins), medianTruthLogp: median(truths), newMissTokens, newMissTurns };
}

export interface PairedAtMisses {
  points: number;
  /** Points where a's margin is higher / lower than b's, and the exact sign test on them. */
  aHigher: number;
  bHigher: number;
  p: number;
  /** Median of a's margin minus b's (nats). */
  medianDiff: number;
  /** Points only a / only b gets right (margin > 0), and the exact McNemar test on them. */
  onlyAFixed: number;
  onlyBFixed: number;
  pFixed: number;
  /**
   * Call turns (all three have) where only a / only b misses a token the base gets right (a new miss), and the exact
   * McNemar test on them: what each update breaks on held-out turns. Absent in reports written before it was counted.
   */
  newMissOnlyA?: number;
  newMissOnlyB?: number;
  pNewMiss?: number;
}

/** Two models at the same base first misses (call turns all three have): a sign test on the margins, McNemar on fixes. */
export function pairedAtBaseMisses(base: readonly TurnLogps[], a: readonly TurnLogps[], b: readonly TurnLogps[]): PairedAtMisses {
  const aBy = new Map(a.map((t) => [turnKey(t), t]));
  const bBy = new Map(b.map((t) => [turnKey(t), t]));
  const diffs: number[] = [];
  let onlyAFixed = 0;
  let onlyBFixed = 0;
  let newMissOnlyA = 0;
  let newMissOnlyB = 0;
  for (const t of base) {
    const i = firstMiss(t);
    const [x, y] = [aBy.get(turnKey(t)), bBy.get(turnKey(t))];
    if (!t.call || !x || !y) continue;
    const [nx, ny] = [newMisses(t, x) > 0, newMisses(t, y) > 0];
    if (nx && !ny) newMissOnlyA++;
    if (ny && !nx) newMissOnlyB++;
    if (i < 0) continue;
    const [mx, my] = [marginAt(x, i), marginAt(y, i)];
    diffs.push(mx - my);
    if (mx > 0 && !(my > 0)) onlyAFixed++;
    if (my > 0 && !(mx > 0)) onlyBFixed++;
  }
  const aHigher = diffs.filter((d) => d > 0).length;
  const bHigher = diffs.filter((d) => d < 0).length;
  return {
    points: diffs.length, aHigher, bHigher, p: mcnemarExact(aHigher, bHigher), medianDiff: median(diffs),
    onlyAFixed, onlyBFixed, pFixed: mcnemarExact(onlyAFixed, onlyBFixed),
    newMissOnlyA, newMissOnlyB, pNewMiss: mcnemarExact(newMissOnlyA, newMissOnlyB),
  };
}

/**
 * One model before and after an update, read at the before model's first misses on call turns (the Evaluate panel's
 * token-level line): whether the truth's margin rose there (sign test), how many of those tokens the after model now
 * gets right, and what that did to whole call turns, teacher-forced.
 */
export interface BeforeAfterAtMisses {
  /** Call turns both have, and how many of them the before model gets clean (no miss). */
  callTurns: number;
  cleanBefore: number;
  /** The before model's first misses; where the after model's margin is higher / lower; the exact sign test. */
  points: number;
  higher: number;
  lower: number;
  p: number;
  /** Median of the after model's margin minus the before model's at those points (nats). */
  medianChange: number;
  /** Points the after model gets right (its margin > 0; the before model gets none of them right). */
  fixed: number;
  /** Of the before model's missed call turns, those now clean; of its clean ones, those still clean. */
  repaired: number;
  keptClean: number;
}

export function beforeAfterAtMisses(before: readonly TurnLogps[], after: readonly TurnLogps[]): BeforeAfterAtMisses {
  const at = atBaseMisses(before, after);
  const paired = pairedAtBaseMisses(before, after, before);
  return {
    callTurns: at.callTurns, cleanBefore: at.callTurns - at.points,
    points: paired.points, higher: paired.aHigher, lower: paired.bHigher, p: paired.p, medianChange: paired.medianDiff,
    fixed: at.fixed, repaired: at.repaired, keptClean: at.keptClean,
  };
}
