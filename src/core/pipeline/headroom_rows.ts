// A model's pass@k paired turn by turn with its greedy reading (pure; the loop's report, `ttpa eval --pass-at-k` and
// the app's Evaluate panel): how many of the turns greedy decoding gets wrong one of its own samples gets right, what
// its samples can still teach, against what needs the ground truth as a target.
import type { EvalReport } from '../scoring/evaluate.ts';
import { mcnemarExact, turnKey } from '../scoring/significance.ts';
import type { PassAtK } from './pass_at_k.ts';

/** One model's pass@k beside its greedy reading of the same turns. */
export interface HeadroomRow {
  turns: number;
  passAtK: number;
  passAt1: number;
  /** Greedy exact-match rate on the same turns. */
  greedy: number;
  /** Turns greedy decoding gets wrong, and those of them with at least one exact sample. */
  greedyWrong: number;
  reachable: number;
}

/**
 * A model's pass@k paired turn by turn with its test report; null when the record has no per-turn counts (older
 * records) or a measured turn is missing from the report.
 */
export function headroomRow(h: PassAtK, report: EvalReport): HeadroomRow | null {
  if (!h.perTurn || h.perTurn.length === 0) return null;
  const exact = new Map(report.turns.map((t) => [turnKey(t), t.exact]));
  let greedy = 0;
  let greedyWrong = 0;
  let reachable = 0;
  for (const t of h.perTurn) {
    const g = exact.get(turnKey(t));
    if (g === undefined) return null;
    if (g) greedy++;
    else {
      greedyWrong++;
      if (t.exact > 0) reachable++;
    }
  }
  const n = h.perTurn.length;
  return { turns: n, passAtK: h.passAtK, passAt1: h.passAt1, greedy: greedy / n, greedyWrong, reachable };
}

/**
 * Rows of several seeds' disjoint test turns added up (rates weighted by turns), per model measured on every seed; a
 * model missing from a seed is left out.
 */
export function poolHeadroom(seeds: readonly Record<string, HeadroomRow>[]): Record<string, HeadroomRow> {
  const names = Object.keys(seeds[0] ?? {}).filter((n) => seeds.every((s) => s[n]));
  return Object.fromEntries(names.map((n) => {
    const rows = seeds.map((s) => s[n]);
    const turns = rows.reduce((t, x) => t + x.turns, 0);
    const rate = (k: 'passAtK' | 'passAt1' | 'greedy'): number => rows.reduce((t, x) => t + x[k] * x.turns, 0) / turns;
    return [n, { turns, passAtK: rate('passAtK'), passAt1: rate('passAt1'), greedy: rate('greedy'),
      greedyWrong: rows.reduce((t, x) => t + x.greedyWrong, 0), reachable: rows.reduce((t, x) => t + x.reachable, 0) }];
  }));
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** The report's section: one row per model measured, in the order given; `seeds` > 1 for pooled rows. */
export function headroomLines(rows: Record<string, HeadroomRow>, k: number, temperature: number, seeds = 1): string[] {
  const names = Object.keys(rows);
  if (!names.length) return [];
  const turns = rows[names[0]].turns;
  return [
    `## What each model's own samples can still reach (pass@${k}, T=${temperature})`, '',
    `On the headroom line's ${turns} test turns${seeds > 1 ? ` (${seeds} seeds pooled)` : ''}, every model sampled ${k} times a turn with the same random stream. A turn greedy decoding gets wrong but one of its own samples gets right can be taught from the model's samples alone (a sampled branch the scorer prefers over its greedy answer); the others need the ground truth as the target (SFT, or a pair whose chosen side is the truth). Preference and RL updates on a model's own samples mostly sharpen what it can already sample (Yue et al. 2025), so pass@${k} bounds what another round of them can reach.`, '',
    `| model | greedy exact | pass@1 (T=${temperature}) | pass@${k} | greedy-wrong turns with an exact sample |`, '| --- | --- | --- | --- | --- |',
    ...names.map((n) => { const x = rows[n]; return `| ${n} | ${pct(x.greedy)} | ${pct(x.passAt1)} | ${pct(x.passAtK)} | ${x.reachable} of ${x.greedyWrong} (${pct(x.greedyWrong ? x.reachable / x.greedyWrong : 0)}) |`; }), '',
  ];
}

/**
 * Two models' pass@k on the same turns: the turns only the second's samples reach (an exact sample among k) and
 * those only the first's reach, with the exact McNemar p; null without per-turn counts or on different turns.
 */
export function pairedReach(first: PassAtK, second: PassAtK): { gained: number; lost: number; p: number } | null {
  if (!first.perTurn || !second.perTurn) return null;
  const a = new Map(first.perTurn.map((t) => [turnKey(t), t.exact > 0]));
  const b = new Map(second.perTurn.map((t) => [turnKey(t), t.exact > 0]));
  if (a.size !== b.size || [...a.keys()].some((k) => !b.has(k))) return null;
  let gained = 0;
  let lost = 0;
  for (const [k, was] of a) {
    if (!was && b.get(k)) gained++;
    if (was && !b.get(k)) lost++;
  }
  return { gained, lost, p: mcnemarExact(gained, lost) };
}
