// Statistics for comparing evaluation runs on the same turns: a percentile-bootstrap interval of an error
// rate, the exact McNemar (sign) test on paired per-turn outcomes, and the pairing of two reports' turns.
// No model or file access; randomness comes from the seed passed in.
import { createRng } from '../rng.ts';
import type { EvalReport } from './evaluate.ts';

export interface RateInterval {
  /** Share of `true` outcomes (errors), in [0, 1]. */
  rate: number;
  /** Lower and upper bounds of the two-sided interval at `level`. */
  lo: number;
  hi: number;
  level: number;
  n: number;
}

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, ch. 13) of the mean of 0/1 outcomes: `resamples` draws of n
 * outcomes with replacement; the bounds are the (1 − level)/2 and (1 + level)/2 quantiles of their means.
 */
export function bootstrapInterval(errors: readonly boolean[], opts: { resamples?: number; level?: number; seed?: number } = {}): RateInterval {
  const { resamples = 2000, level = 0.95, seed = 0 } = opts;
  const n = errors.length;
  if (n === 0) throw new Error('bootstrapInterval: no outcomes');
  const k = errors.filter(Boolean).length;
  const rng = createRng(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) if (errors[rng.int(n)]) s++;
    means[b] = s / n;
  }
  means.sort();
  const at = (q: number): number => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  return { rate: k / n, lo: at((1 - level) / 2), hi: at((1 + level) / 2), level, n };
}

/** Log of n choose k (exact enough for n up to millions). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * Exact two-sided McNemar test: of the b + c discordant turns, b went one way and c the other; under the null
 * each is a fair coin, so p = min(1, 2 · P(X ≤ min(b, c))), X ~ Binomial(b + c, 1/2) (the exact sign test).
 */
export function mcnemarExact(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new Error(`mcnemarExact: counts must be integers >= 0, got ${b}, ${c}`);
  const n = b + c;
  if (n === 0) return 1;
  const m = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= m; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

export interface PairedOutcome {
  /** Turns seen by both reports. */
  turns: number;
  /** Turns A got right and B wrong. */
  aWins: number;
  /** Turns B got right and A wrong. */
  bWins: number;
  /** Exact McNemar p-value of aWins vs bWins. */
  p: number;
}

type Turn = EvalReport['turns'][number];
/** One assistant turn's identity across reports: its sample and message index. */
export const turnKey = (t: { sampleId: string; turn: number }): string => `${t.sampleId}#${t.turn}`;

/** Per-turn errors of a report, in its turn order (true = not an exact match). */
export const turnErrors = (r: EvalReport): boolean[] => r.turns.map((t) => !t.exact);

/**
 * Pairs two reports' turns by (sample, turn); they must cover exactly the same turns. `only` keeps the turns it
 * accepts (given A's turn and B's same turn; e.g. the turns where a call was due), the others are left out of every count.
 */
export function pairedOutcome(a: EvalReport, b: EvalReport, only?: (t: Turn, other: Turn) => boolean): PairedOutcome {
  const turnsB = new Map(b.turns.map((t) => [turnKey(t), t]));
  if (turnsB.size !== a.turns.length) throw new Error(`pairedOutcome: the reports cover different turns (${a.turns.length} vs ${turnsB.size})`);
  let turns = 0;
  let aWins = 0;
  let bWins = 0;
  for (const t of a.turns) {
    const other = turnsB.get(turnKey(t));
    if (other === undefined) throw new Error(`pairedOutcome: turn ${turnKey(t)} is missing from the second report`);
    if (only && !only(t, other)) continue;
    turns++;
    if (t.exact && !other.exact) aWins++;
    else if (!t.exact && other.exact) bWins++;
  }
  return { turns, aWins, bWins, p: mcnemarExact(aWins, bWins) };
}

/** A turn where the ground truth calls a tool (the rest are text turns: answers, refusals). */
export const isCallTurn = (t: { expected: readonly unknown[] }): boolean => t.expected.length > 0;

/** A call turn the model answered in plain text: its scorer error is no_call (esm.ts; a malformed call is not one). */
export const answeredInText = (t: { errors: readonly { category: string }[] }): boolean => t.errors.some((e) => e.category === 'no_call');

/**
 * pairedOutcome on the call turns and on the text turns apart (their sums are the whole comparison), and on the call
 * turns where both models call (neither answers in plain text): a lead there is in the calls themselves, not in the
 * decision whether to call, which the text-turn column and the missed calls move between them.
 */
export function pairedByTurnKind(a: EvalReport, b: EvalReport): { call: PairedOutcome; text: PairedOutcome; bothCall: PairedOutcome } {
  return {
    call: pairedOutcome(a, b, isCallTurn), text: pairedOutcome(a, b, (t) => !isCallTurn(t)),
    bothCall: pairedOutcome(a, b, (t, other) => isCallTurn(t) && !answeredInText(t) && !answeredInText(other)),
  };
}

export interface LeadInterval {
  /** A's lead over B in error-rate points as a fraction: (aWins - bWins) / turns; > 0 when A errs less. */
  lead: number;
  lo: number;
  hi: number;
  level: number;
  /** Turns over all strata. */
  turns: number;
}

/**
 * Paired bootstrap interval of A's lead over B from the discordant counts of one or more strata (seeds): each
 * resample redraws every stratum's turns with replacement inside that stratum (a turn is +1 with probability
 * aWins / turns, -1 with bWins / turns, else 0), so a pooled lead keeps each seed's weight. The counts are all
 * a paired comparison of right/wrong outcomes needs, which is why stored reports can be pooled later.
 */
export function pairedLeadInterval(strata: readonly Pick<PairedOutcome, 'turns' | 'aWins' | 'bWins'>[], opts: { resamples?: number; level?: number; seed?: number } = {}): LeadInterval {
  const { resamples = 2000, level = 0.95, seed = 0 } = opts;
  if (strata.length === 0) throw new Error('pairedLeadInterval: no strata');
  for (const s of strata) {
    if (!(s.turns > 0) || s.aWins < 0 || s.bWins < 0 || s.aWins + s.bWins > s.turns) {
      throw new Error(`pairedLeadInterval: need 0 <= aWins + bWins <= turns and turns > 0, got ${JSON.stringify(s)}`);
    }
  }
  const turns = strata.reduce((n, s) => n + s.turns, 0);
  const rng = createRng(seed);
  const leads = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let d = 0;
    for (const s of strata) {
      for (let i = 0; i < s.turns; i++) {
        const j = rng.int(s.turns);
        if (j < s.aWins) d++;
        else if (j < s.aWins + s.bWins) d--;
      }
    }
    leads[r] = d / turns;
  }
  leads.sort();
  const at = (q: number): number => leads[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  const lead = strata.reduce((n, s) => n + s.aWins - s.bWins, 0) / turns;
  return { lead, lo: at((1 - level) / 2), hi: at((1 + level) / 2), level, turns };
}
