// The Evaluate panel's line under its table: is the change between the first and the last model beyond chance?
// Error rates with their 95% bootstrap intervals, the turns fixed and broken on the same turns, the exact McNemar
// p, and what one turn is worth; all from compareReports' significance (core/scoring/report.ts).
import type { ComparisonSignificance } from '../core/scoring/report.ts';
import { formatP } from './classroom/seeds.ts';

const ALPHA = 0.05;
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const turns = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'turn' : 'turns'}`;

/** The line for the last report against the first; undefined with one report or without per-turn outcomes. */
export function significanceText(sig: ComparisonSignificance[] | undefined, testTurns: number): string | undefined {
  if (!sig || sig.length < 2) return undefined;
  const [first, last] = [sig[0], sig[sig.length - 1]];
  const rate = (s: ComparisonSignificance): string => `${s.name} ${pct(s.errorRate)} (95% interval ${pct(s.lo)}-${pct(s.hi)})`;
  const head = `Error rate ${rate(first)}; ${rate(last)}.`;
  const v = last.vsFirst;
  if (!v) return `${head} The two were scored on different turns, so there is no paired test.`;
  const unit = testTurns > 0 ? ` One turn is ${(100 / testTurns).toFixed(1)} pt of ${turns(testTurns)}.` : '';
  if (v.fixed + v.broken === 0) return `${head} On the same turns no turn changed between the two.${unit}`;
  const verdict = v.p < ALPHA
    ? (v.fixed > v.broken ? `Fewer errors, beyond chance (${formatP(v.p)}).` : `More errors, beyond chance (${formatP(v.p)}).`)
    : `This difference cannot be told from chance (${formatP(v.p)}, exact McNemar); more test turns would tell.`;
  return `${head} On the same turns ${last.name} fixed ${turns(v.fixed)} and broke ${turns(v.broken)}. ${verdict}${unit}`;
}
