// Several seeds of the reference side by side: per seed the start model against the headline arm (error rates
// with intervals, turns fixed and broken, p), and one plain line across the seeds, every figure from the runs.
// It never picks a seed to show: the line counts all of them and pools their turns.
import { mcnemarExact } from '../../core/scoring/significance.ts';
import type { ArmView, PairedView, RunView } from './classroom_data.ts';

/** Significance level of the line's "significant". */
const ALPHA = 0.05;

export interface SeedRow {
  seed: number;
  start: ArmView;
  arm: ArmView;
  /** The arm against the start on the same turns (absent when per-turn outcomes are unknown). */
  vs?: PairedView;
  /** The arm's final model is the start model: no round beat it on validation. */
  keptStart: boolean;
}

export interface SeedsSummary {
  /** The headline arm's short name ('TTPA'). */
  arm: string;
  rows: SeedRow[];
  /** Seeds where the arm has fewer / more test errors than the start, and of each those with p < ALPHA. */
  fewer: number;
  more: number;
  significant: number;
  moreSignificant: number;
  keptStart: number;
  /** Every seed's turns together (disjoint test sets, so each discordant turn is a fair coin under the null). */
  pooled?: { turns: number; fixed: number; broken: number; p: number };
  /**
   * The headline arm against its control (classroom_data.ts RunView.control) pooled over the seeds, when every seed
   * has the same one; with the control's own change from the start, so the line shows which part is whose.
   */
  control?: { short: string; turns: number; fixed: number; broken: number; p: number; vsStart?: { fixed: number; broken: number } };
  /** The plain line across seeds. */
  line: string;
}

const count = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
/** 'p = 0.10', 'p = 0.002', 'p < 0.001'. */
export const formatP = (p: number): string => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`);

/** ", significantly (p < 0.05)", ", not significantly (p ≥ 0.05)", "; 2 of them significantly (p < 0.05)". */
function significance(seeds: number, significant: number): string {
  if (significant === seeds) return `, ${seeds === 1 ? '' : 'each '}significantly (p < ${ALPHA})`;
  if (significant === 0) return seeds === 1 ? `, not significantly (p ≥ ${ALPHA})` : `, none significantly (each p ≥ ${ALPHA})`;
  return `; ${significant} of them significantly (p < ${ALPHA})`;
}

/** The seeds' rows and the line; undefined when a run has no headline arm to compare. */
export function summariseSeeds(runs: RunView[]): SeedsSummary | undefined {
  const rows: SeedRow[] = [];
  for (const r of runs) {
    const start = r.arms[0];
    const arm = r.arms.find((a) => a.key === r.headline);
    if (!start || !arm || arm === start) return undefined;
    rows.push({ seed: r.seed ?? rows.length + 1, start, arm, vs: arm.vsFirst, keptStart: arm.selectedRound === 0 });
  }
  const n = rows.length;
  const diff = (row: SeedRow): number => (row.vs ? row.vs.broken - row.vs.fixed : row.arm.errorRate - row.start.errorRate);
  const fewer = rows.filter((row) => diff(row) < 0).length;
  const more = rows.filter((row) => diff(row) > 0).length;
  const significantOf = (sign: number): number => rows.filter((row) => Math.sign(diff(row)) === sign && row.vs && row.vs.p < ALPHA).length;
  const significant = significantOf(-1);
  const moreSignificant = significantOf(1);
  const keptStart = rows.filter((row) => row.keptStart).length;
  const paired = rows.every((row) => row.vs) ? rows.map((row) => row.vs!) : undefined;
  const pooled = paired && (() => {
    const fixed = paired.reduce((s, v) => s + v.fixed, 0);
    const broken = paired.reduce((s, v) => s + v.broken, 0);
    return { turns: paired.reduce((s, v) => s + v.n, 0), fixed, broken, p: mcnemarExact(fixed, broken) };
  })();
  const name = rows[0].arm.short;
  const control = pooledControl(runs);
  const sentences = [
    `${name} had fewer test errors than the start model on ${fewer} of ${count(n, 'seed', 'seeds')}${fewer ? significance(fewer, significant) : ''}.`,
    more ? `It had more on ${count(more, 'seed', 'seeds')}${significance(more, moreSignificant)}.` : '',
    keptStart ? `On ${keptStart === n ? `every seed` : count(keptStart, 'seed', 'seeds')} no training round beat the start model on validation, so ${name} there is the start model itself.` : '',
    pooled ? `All ${count(n, 'seed', 'seeds')} pooled (${count(pooled.turns, 'test turn', 'test turns')}): ${count(pooled.fixed, 'turn', 'turns')} fixed, ${pooled.broken.toLocaleString('en-US')} broken, ${formatP(pooled.p)}` +
      verdict(pooled) : '',
    control?.vsStart ? `${capital(control.short)} alone fixed ${count(control.vsStart.fixed, 'turn', 'turns')} and broke ${control.vsStart.broken.toLocaleString('en-US')}.` : '',
    control ? `What the preference term adds, ${name} against ${control.short}${n > 1 ? ` over all ${count(n, 'seed', 'seeds')}` : ''}: ` +
      `${count(control.fixed, 'turn', 'turns')} fixed, ${control.broken.toLocaleString('en-US')} broken, ${formatP(control.p)}${verdict(control)}` : '',
  ];
  return { arm: name, rows, fewer, more, significant, moreSignificant, keptStart, pooled, ...(control ? { control } : {}), line: sentences.filter(Boolean).join(' ') };
}

const capital = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);
const verdict = (o: { fixed: number; broken: number; p: number }): string =>
  o.p < ALPHA ? (o.fixed > o.broken ? ': fewer errors, beyond noise.' : ': more errors, beyond noise.') : ': that difference could be noise.';

/** Every run's headline-against-control outcome added up, when every run has the same control. */
function pooledControl(runs: RunView[]): SeedsSummary['control'] {
  const cs = runs.map((r) => r.control);
  if (!cs.length || cs.some((c) => !c || c.key !== cs[0]!.key)) return undefined;
  const all = cs as NonNullable<RunView['control']>[];
  const sum = (f: (v: PairedView) => number): number => all.reduce((s, c) => s + f(c.vs), 0);
  const fixed = sum((v) => v.fixed);
  const broken = sum((v) => v.broken);
  const starts = runs.map((r) => r.arms.find((a) => a.key === all[0].key)?.vsFirst);
  const vsStart = starts.every((v) => v) ? { fixed: starts.reduce((s, v) => s + v!.fixed, 0), broken: starts.reduce((s, v) => s + v!.broken, 0) } : undefined;
  return { short: all[0].short, turns: sum((v) => v.n), fixed, broken, p: mcnemarExact(fixed, broken), ...(vsStart ? { vsStart } : {}) };
}
