// Live line charts (uPlot): one chart per metric group, x = optimizer step; points are appended as
// progress arrives and redrawn at most once per animation frame. Also a small bar chart for Evaluate.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricPoint } from '../protocol.ts';
import { h } from './dom.ts';

const COLORS = ['#1a5fb4', '#c01c28', '#26a269', '#e66100', '#613583', '#5e5c64'];
/** logY charts: the arcsinh scale's linear range around 0 (KL below it reads as noise). */
const LOG_Y_LINEAR = 0.01;
/** Whole steps only on the x axis. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/** Tick labels that stay readable for tiny values (learning rates, KL): 3 significant digits. */
function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

export interface SeriesSpec {
  /** Key in MetricPoint. */
  key: string;
  label?: string;
}

export interface LineChart {
  el: HTMLElement;
  /** Adds points (steps not already present); missing keys are gaps. */
  add(points: MetricPoint[]): void;
  /** Replaces all data (used when restoring a finished run). */
  set(points: MetricPoint[]): void;
  /** Number of points plotted. */
  readonly size: number;
}

/**
 * The log-like axis's labelled ticks: 0 and the powers of ten (the steps between them crowd a short axis into
 * one smudge), those below 0 only when a plotted value is negative; the rest null (unlabelled).
 */
export function logAxisTicks(splits: readonly number[], series: readonly ArrayLike<number | null | undefined>[]): (number | null)[] {
  const negative = series.some((ys) => Array.from(ys).some((y) => y != null && y < 0));
  const decade = (v: number): boolean => v === 0 || Math.abs(Math.log10(Math.abs(v)) - Math.round(Math.log10(Math.abs(v)))) < 1e-9;
  return splits.map((v) => ((v < 0 && !negative) || !decade(v) ? null : v));
}

/**
 * A line chart of metric rows. `xLabel` names the x axis and the text alternative's position ('step' by default;
 * 'round' for per-round charts). `logY`: a log-like y axis, for a quantity whose single steps span orders of
 * magnitude (a k3 KL estimate: ~0.1 most steps, hundreds at a few): uPlot's arcsinh scale, linear within
 * LOG_Y_LINEAR of 0 (a run's first steps read exactly 0 there, which a log axis cannot draw) and logarithmic beyond.
 */
export function createLineChart(title: string, series: SeriesSpec[], testId?: string, xLabel = 'step', logY = false): LineChart {
  const plotEl = h('div', { class: 'chart-plot', 'aria-hidden': 'true' });
  const caption = h('figcaption', { class: 'chart-text' }, 'no data yet');
  const el = h('figure', { class: 'chart', 'data-testid': testId }, h('h3', {}, title), plotEl, caption);
  let rows: MetricPoint[] = [];
  let plot: uPlot | undefined;
  let frame = 0;
  const data = (): uPlot.AlignedData => [
    rows.map((r) => r.step),
    ...series.map((s) => rows.map((r) => (typeof r[s.key] === 'number' && Number.isFinite(r[s.key]) ? r[s.key] : null))),
  ];
  const width = (): number => Math.max(240, Math.floor(plotEl.clientWidth || 360));
  const draw = (): void => {
    frame = 0;
    caption.textContent = describeSeries(rows, series, xLabel);
    if (!plot) {
      plot = new uPlot({
        width: width(), height: 200,
        // On the log-like axis a range of its own: every value 0 (a short run's first steps) gave uPlot none to draw.
        scales: { x: { time: false }, ...(logY ? { y: { distr: 4, asinh: LOG_Y_LINEAR, range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(10 * LOG_Y_LINEAR, 2 * (max ?? 0))] } } : {}) },
        // A log-like axis hands some ticks over as null (unlabelled), and its ticks reach below 0 ("-0.01") even when
        // no value does (logAxisTicks).
        axes: [{ label: xLabel, incrs: STEP_INCRS }, {
          values: (_u, ticks) => ticks.map((v) => (v == null ? '' : formatTick(v))), size: 72,
          ...(logY ? { filter: (u: uPlot, splits: number[]) => logAxisTicks(splits, u.data.slice(1)) } : {}),
        }],
        series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label ?? s.key, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true }))],
        legend: { live: false },
      }, data(), plotEl);
      new ResizeObserver(() => plot?.setSize({ width: width(), height: 200 })).observe(plotEl);
    } else {
      plot.setData(data());
    }
  };
  const schedule = (): void => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  // Built up front (while the page is idle), so a run only pays for setData.
  schedule();
  return {
    el,
    add(points) {
      const lastStep = rows.length ? rows[rows.length - 1].step : -Infinity;
      for (const p of points) if (p.step > lastStep && series.some((s) => s.key in p)) rows.push(p);
      schedule();
    },
    set(points) {
      rows = points.filter((p) => series.some((s) => s.key in p));
      schedule();
    },
    get size() { return rows.length; },
  };
}

/** One sentence per series: the last value, and the range over the run (the chart's text alternative). */
export function describeSeries(rows: MetricPoint[], series: SeriesSpec[], xLabel = 'step'): string {
  if (!rows.length) return 'no data yet';
  const parts = series.map((s) => {
    const vals = rows.map((r) => r[s.key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (!vals.length) return `${s.label ?? s.key}: no values`;
    return `${s.label ?? s.key} ${formatTick(vals[vals.length - 1])} (min ${formatTick(Math.min(...vals))}, max ${formatTick(Math.max(...vals))})`;
  });
  return `At ${xLabel} ${rows[rows.length - 1].step}: ${parts.join('; ')}.`;
}

/**
 * A grouped bar chart (categories on x, one bar per series). Each series' bars sit at their own x
 * offsets (category index + offset) with gaps elsewhere, so uPlot's plain bars path draws groups.
 */
export function createBarChart(title: string, categories: string[], series: { label: string; values: number[] }[], testId?: string): HTMLElement {
  const plotEl = h('div', { class: 'chart-plot', 'aria-hidden': 'true' });
  // The chart's numbers as text: what a screen reader reads and a projector audience can quote.
  const table = h('table', { class: 'chart-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'category'), ...series.map((s) => h('th', { class: 'num' }, s.label)))),
    h('tbody', {}, ...categories.map((c, i) => h('tr', {}, h('td', {}, c), ...series.map((s) => h('td', { class: 'num' }, `${(100 * s.values[i]).toFixed(1)}%`))))));
  const el = h('figure', { class: 'chart', 'data-testid': testId }, h('h3', {}, title), plotEl,
    h('details', {}, h('summary', {}, `${title}: the numbers`), table));
  const n = series.length;
  const slot = 0.8 / n;
  const xs: number[] = [];
  const ys: (number | null)[][] = series.map(() => []);
  categories.forEach((_, c) => series.forEach((s, i) => {
    xs.push(c - 0.4 + slot * (i + 0.5));
    series.forEach((_, j) => ys[j].push(j === i ? s.values[c] : null));
  }));
  const bars = uPlot.paths.bars!({ size: [0.9, 80], align: 0 });
  el.classList.add('wide');
  const width = (): number => Math.max(300, Math.floor(plotEl.clientWidth || 720));
  requestAnimationFrame(() => {
    const plot = new uPlot({
      width: width(), height: 300,
      scales: { x: { time: false, range: [-0.5, categories.length - 0.5] }, y: { range: [0, 1] } },
      axes: [
        { splits: () => categories.map((_, i) => i), values: (_u, ticks) => ticks.map((t) => categories[Math.round(t)] ?? ''), rotate: -35, size: 90 },
        { label: 'error rate' },
      ],
      series: [
        { label: 'category' },
        ...series.map((s, i) => ({ label: s.label, fill: COLORS[i % COLORS.length], stroke: COLORS[i % COLORS.length], paths: bars, points: { show: false } })),
      ],
    }, [xs, ...ys], plotEl);
    new ResizeObserver(() => plot.setSize({ width: width(), height: 300 })).observe(plotEl);
  });
  return el;
}
