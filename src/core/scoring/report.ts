// Renders evaluation reports as Markdown and compares several (before/after) as one table.
// Plain data in, strings and plain data out; reading report files is the CLI's job.
import { ERROR_CATEGORIES } from './errors.ts';
import type { EvalReport, EvalSummary } from './evaluate.ts';
import { bootstrapInterval, pairedOutcome, turnErrors } from './significance.ts';

const pct = (v: number | null): string => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
const dec = (v: number | null): string => (v === null ? '–' : v.toFixed(3));

interface Metric {
  label: string;
  get: (s: EvalSummary) => number | null;
  /** Shown as a percentage (rates) or a 0..1 decimal (scores). */
  percent: boolean;
}

const MAIN_METRICS: Metric[] = [
  { label: 'exact match', get: (s) => s.exactMatch, percent: true },
  { label: 'mean ESM', get: (s) => s.meanEsm, percent: false },
  { label: 'ESM name', get: (s) => s.parts.name, percent: false },
  { label: 'ESM required', get: (s) => s.parts.required, percent: false },
  { label: 'ESM key', get: (s) => s.parts.key, percent: false },
  { label: 'ESM type', get: (s) => s.parts.type, percent: false },
  { label: 'ESM value', get: (s) => s.parts.value, percent: false },
  { label: 'format valid', get: (s) => s.formatValidRate, percent: true },
  { label: 'irrelevance accuracy', get: (s) => s.irrelevanceAccuracy, percent: true },
];
const ERROR_METRICS: Metric[] = ERROR_CATEGORIES.map((c) => ({ label: `error: ${c}`, get: (s) => s.errorRates[c], percent: true }));

const show = (m: Metric, v: number | null): string => (m.percent ? pct(v) : dec(v));
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
const header = (cells: string[]): string[] => [row(cells), row(cells.map(() => '---'))];

function breakdown(title: string, groups: Record<string, EvalSummary>): string[] {
  const keys = Object.keys(groups);
  if (!keys.length) return [];
  const lines = [`### By ${title}`, '', ...header([title, 'turns', 'exact match', 'mean ESM', 'format valid', 'irrelevance accuracy'])];
  for (const k of keys) {
    const s = groups[k];
    lines.push(row([k, String(s.turns), pct(s.exactMatch), dec(s.meanEsm), pct(s.formatValidRate), pct(s.irrelevanceAccuracy)]));
  }
  return [...lines, ''];
}

export function reportToMarkdown(report: EvalReport): string {
  const o = report.overall;
  const lines = [`## Evaluation: ${report.samples} samples, ${o.turns} assistant turns`, '', ...header(['metric', 'value'])];
  for (const m of MAIN_METRICS) lines.push(row([m.label, show(m, m.get(o))]));
  lines.push('', '### Error rates (share of turns with the error)', '', ...header(['category', 'rate']));
  for (const c of ERROR_CATEGORIES) lines.push(row([c, pct(o.errorRates[c])]));
  lines.push('', ...breakdown('sample category', report.byCategory), ...breakdown('tool domain', report.byDomain));
  return lines.join('\n').trimEnd() + '\n';
}

export interface ComparisonRow {
  metric: string;
  /** One value per report, in the order given; null where a report lacks the group. */
  values: Array<number | null>;
  /** Last minus first, null if either is missing. */
  delta: number | null;
}

/** One report's error rate with its interval and, after the first, its turns against the first's. */
export interface ComparisonSignificance {
  name: string;
  errorRate: number;
  lo: number;
  hi: number;
  /** Against the first report on the same turns (absent for the first, or when the turns differ). */
  vsFirst?: { fixed: number; broken: number; p: number };
}

export interface Comparison {
  names: string[];
  rows: ComparisonRow[];
  /** Per report, when every report carries its turns. */
  significance?: ComparisonSignificance[];
  markdown: string;
}

/**
 * Error rates with 95% bootstrap intervals, and the turns each later report fixed and broke against the first
 * (exact McNemar p), as the pipeline's reports give them; undefined when a report has no turns.
 */
export function compareSignificance(named: ReadonlyArray<{ name: string; report: EvalReport }>): ComparisonSignificance[] | undefined {
  if (!named.every((n) => Array.isArray(n.report.turns) && n.report.turns.length > 0)) return undefined;
  const first = named[0].report;
  return named.map((n, i) => {
    const ci = bootstrapInterval(turnErrors(n.report), { seed: 1 });
    const out: ComparisonSignificance = { name: n.name, errorRate: ci.rate, lo: ci.lo, hi: ci.hi };
    if (i === 0) return out;
    try {
      const o = pairedOutcome(n.report, first);
      out.vsFirst = { fixed: o.aWins, broken: o.bWins, p: o.p };
    } catch {
      // Different turns: no paired test.
    }
    return out;
  });
}

function significanceMarkdown(sig: ComparisonSignificance[]): string[] {
  const first = sig[0].name;
  const lines = ['', `Error rate (turns not exactly right) with a 95% bootstrap interval; fixed / broken: turns right here and wrong in ${first}, and the reverse (exact McNemar p).`, ''];
  lines.push(...header(['report', 'error rate [95% CI]', `fixed / broken vs ${first}`]));
  for (const s of sig) {
    const vs = s.vsFirst ? `${s.vsFirst.fixed} / ${s.vsFirst.broken}, p ${s.vsFirst.p < 0.001 ? '< 0.001' : `= ${s.vsFirst.p.toFixed(3)}`}` : s === sig[0] ? '' : 'different turns: not paired';
    lines.push(row([s.name, `${pct(s.errorRate)} [${pct(s.lo)}, ${pct(s.hi)}]`, vs]));
  }
  return lines;
}

/** A before/after table: overall metrics, error rates, then exact match and ESM per category and domain. */
export function compareReports(named: ReadonlyArray<{ name: string; report: EvalReport }>): Comparison {
  if (!named.length) throw new Error('compareReports: no reports given');
  const names = named.map((n) => n.name);
  const rows: ComparisonRow[] = [];
  const percentOf = new Map<string, boolean>();
  const add = (metric: string, percent: boolean, values: Array<number | null>): void => {
    const first = values[0];
    const last = values[values.length - 1];
    rows.push({ metric, values, delta: first === null || last === null ? null : last - first });
    percentOf.set(metric, percent);
  };
  for (const m of [...MAIN_METRICS, ...ERROR_METRICS]) add(m.label, m.percent, named.map((n) => m.get(n.report.overall)));
  for (const [kind, pick] of [['category', (r: EvalReport) => r.byCategory], ['domain', (r: EvalReport) => r.byDomain]] as const) {
    const keys = [...new Set(named.flatMap((n) => Object.keys(pick(n.report))))].sort();
    for (const k of keys) {
      add(`exact match [${kind} ${k}]`, true, named.map((n) => pick(n.report)[k]?.exactMatch ?? null));
      add(`mean ESM [${kind} ${k}]`, false, named.map((n) => pick(n.report)[k]?.meanEsm ?? null));
    }
  }
  const fmt = (metric: string, v: number | null): string => (percentOf.get(metric) ? pct(v) : dec(v));
  const fmtDelta = (metric: string, v: number | null): string => {
    if (v === null) return '–';
    const s = percentOf.get(metric) ? `${(100 * v).toFixed(1)} pt` : v.toFixed(3);
    return v > 0 ? `+${s}` : s;
  };
  const withDelta = names.length > 1;
  const lines = header(['metric', ...names, ...(withDelta ? ['Δ (last − first)'] : [])]);
  for (const r of rows) lines.push(row([r.metric, ...r.values.map((v) => fmt(r.metric, v)), ...(withDelta ? [fmtDelta(r.metric, r.delta)] : [])]));
  const significance = compareSignificance(named);
  if (significance) lines.push(...significanceMarkdown(significance));
  return { names, rows, significance, markdown: lines.join('\n') + '\n' };
}
