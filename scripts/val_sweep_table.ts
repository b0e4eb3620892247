// The validation sweep's table (scripts/val_sweep.ts): each variant against the start model on validation (and on
// the seen round's own samples), with a bootstrap interval, the paired turn counts and the category that moved most.
import type { EvalReport } from '../src/core/scoring/evaluate.ts';
import { bootstrapInterval, pairedByTurnKind, pairedOutcome, turnErrors } from '../src/core/scoring/significance.ts';

/** One row's reports: validation always, the seen round's samples when the sweep has them. */
export interface VariantReports {
  name: string;
  /** What was trained, as the table says it (e.g. "dpo --lr 0.0003"). */
  what: string;
  val?: EvalReport;
  seen?: EvalReport;
  /** Why the variant has no reports. */
  failure?: string;
}

/** The error category whose rate moved most against the start, e.g. "no_call +16.1 pt" ("" when none moved). */
export function largestShift(report: EvalReport, start: EvalReport): string {
  let best = { category: '', delta: 0 };
  for (const [category, rate] of Object.entries(report.overall.errorRates)) {
    const delta = rate - (start.overall.errorRates as Record<string, number>)[category];
    if (Math.abs(delta) > Math.abs(best.delta) + 1e-12) best = { category, delta };
  }
  if (best.category === '') return '';
  return `${best.category} ${best.delta > 0 ? '+' : '−'}${(100 * Math.abs(best.delta)).toFixed(1)} pt`;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const pText = (p: number): string => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);

function against(r: EvalReport, start: EvalReport): string {
  const o = pairedOutcome(r, start);
  return `${o.aWins} / ${o.bWins}, ${pText(o.p)}`;
}

/**
 * `against`, then the call turns and the text turns apart, and the call turns where both call (neither answers in
 * plain text): where a difference between two variants lies.
 */
function againstByKind(r: EvalReport, other: EvalReport): string {
  const k = pairedByTurnKind(r, other);
  return `${against(r, other)} (call turns ${k.call.aWins} / ${k.call.bWins}, ${pText(k.call.p)}; text ${k.text.aWins} / ${k.text.bWins}, ${pText(k.text.p)}; both call ${k.bothCall.aWins} / ${k.bothCall.bWins}, ${pText(k.bothCall.p)})`;
}

/**
 * The markdown rows: `start` first (the reference of every paired count), then each variant; with `compare` (one of
 * the variants), a column of each variant against it too, split into call turns and text turns.
 */
export function sweepTable(start: VariantReports, variants: readonly VariantReports[], compare?: VariantReports): string[] {
  const withSeen = start.seen !== undefined;
  const cols = ['variant', 'training', 'val error [95% CI]', 'fixed / broke vs start', ...(compare ? [`fixed / broke vs ${compare.name}`] : []), 'largest category shift',
    ...(withSeen ? ['seen-round error', 'fixed / broke there'] : [])];
  const head = [`| ${cols.join(' | ')} |`, `|${' --- |'.repeat(cols.length)}`];
  if (!start.val) throw new Error(`the start model has no validation report: ${start.failure ?? 'not evaluated'}`);
  const startVal = start.val;
  const row = (v: VariantReports, isStart: boolean): string => {
    if (!v.val) return `| ${v.name} | failed: ${v.failure ?? 'no report'} |${' |'.repeat(cols.length - 2)}`;
    const ci = bootstrapInterval(turnErrors(v.val), { seed: 1 });
    const vsCompare = compare ? [isStart || v.name === compare.name || !compare.val ? '' : againstByKind(v.val, compare.val)] : [];
    const cells = [v.name, v.what, `${pct(ci.rate)} [${pct(ci.lo)}, ${pct(ci.hi)}]`, isStart ? '' : against(v.val, startVal), ...vsCompare, isStart ? '' : largestShift(v.val, startVal)];
    if (withSeen) {
      const seenRate = v.seen ? pct(1 - v.seen.overall.exactMatch) : 'not evaluated';
      cells.push(seenRate, isStart || !v.seen || !start.seen ? '' : against(v.seen, start.seen));
    }
    return `| ${cells.join(' | ')} |`;
  };
  return [...head, row(start, true), ...variants.map((v) => row(v, false))];
}
