// The Evaluate panel's lines under its table: is the change between the first and the last model beyond chance?
// Error rates with their 95% bootstrap intervals, the turns fixed and broken on the same turns, the exact McNemar
// p, and what one turn is worth; all from compareReports' significance (core/scoring/report.ts). And the line at the
// token level: the after model at the before model's first wrong tokens (tokenLevelText).
import type { ComparisonSignificance } from '../core/scoring/report.ts';
import type { BeforeAfterAtMisses } from '../protocol.ts';
import { formatP } from './classroom/seeds.ts';

const ALPHA = 0.05;
const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const count = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const turns = (n: number): string => count(n, 'turn', 'turns');

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

/**
 * The token-level line (core/scoring/first_miss.ts, beforeAfterAtMisses): at the before model's first wrong token of
 * each call turn, ground truth teacher-forced, did the update raise the truth's margin over the likeliest other
 * token, by an exact sign test; and how many of those tokens and whole turns it got right. It moves before whole
 * turns do (in the loop's runs p < 0.001 where whole call turns read p = 0.3-0.7). `skipped`: samples too long for the model's
 * positions to read. Undefined without call turns and nothing skipped.
 */
export function tokenLevelText(t: BeforeAfterAtMisses, before: string, after: string, skipped = 0): string | undefined {
  const head = 'At the first wrong token (ground truth teacher-forced):';
  const left = skipped > 0 ? ` ${count(skipped, 'sample is', 'samples are')} longer than the model's positions and left out.` : '';
  if (t.callTurns === 0) return left ? `${head} no call turn to read.${left}` : undefined;
  if (t.points === 0) return `${head} ${before} gets every token of the ${count(t.callTurns, 'call turn', 'call turns')} right, so there is no wrong token to read.${left}`;
  const m = t.medianChange;
  const change = Number.isFinite(m) ? `; median change ${m > 0 ? '+' : ''}${m !== 0 && Math.abs(m) < 0.01 ? m.toPrecision(2) : m.toFixed(2)} nats` : '';
  const kept = t.cleanBefore > 0 ? `, and ${t.keptClean} of the ${t.cleanBefore} right ones stay right` : '';
  const verdict = t.higher + t.lower === 0 ? 'no margin changed'
    : t.p < ALPHA ? `${t.higher > t.lower ? 'raised' : 'lowered'} beyond chance (${formatP(t.p)}, exact sign test)`
      : `not beyond chance (${formatP(t.p)}, exact sign test)`;
  return `${head} ${before} first leaves the truth in ${t.points} of ${count(t.callTurns, 'call turn', 'call turns')}. `
    + `There, ${after} gives the truth a larger margin over the likeliest other token at ${t.higher} and a smaller one at ${t.lower}${change}: ${verdict}. `
    + `It now puts the truth first at ${t.fixed} of them; ${t.repaired} of those ${t.points} turns are now right to the end${kept}.${left}`;
}
