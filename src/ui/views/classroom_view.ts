// The classroom view: the TTPA story on one screen for a projector. Every seed of the reference at once (its
// headline in a radio card, one line across seeds), the chosen seed's error rate before -> after with its
// interval, every arm its report lists and its training curves, and one pair told step by step; from the
// bundled reference run (at once) or from a run of the classroom preset in this app (a few minutes).
import type { MetricPoint } from '../../protocol.ts';
import { createLineChart } from '../chart.ts';
import { fromReference, fromState, type ArmView, type ClassroomData, type RunView } from '../classroom/classroom_data.ts';
import { createOverview } from '../classroom/overview.ts';
import { createSeedPicker } from '../classroom/seed_picker.ts';
import { formatP } from '../classroom/seeds.ts';
import { createStory } from '../classroom/story.ts';
import { term } from '../classroom/terms.ts';
import { KL_WINDOW } from '../dpo_guard.ts';
import { trailingMedian } from '../trailing_median.ts';
import type { View } from '../context.ts';
import { h, replace } from '../dom.ts';
import { runPreset } from '../pipeline_bar.ts';

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const pt = (v: number): string => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(100 * v).toFixed(1)} pt`;

export const classroomView: View = (ctx) => {
  const status = h('p', { class: 'muted', role: 'status', 'data-testid': 'classroom-status' });
  // A later measurement that changes how to read the reference (the bundle's caveat), above its numbers.
  const caveat = h('p', { class: 'note', role: 'note', 'data-testid': 'classroom-caveat', hidden: true });
  const headline = h('div', { class: 'headline', 'data-testid': 'headline', tabindex: -1 });
  const table = h('div', { 'data-testid': 'arms' });
  const notes = h('div', { class: 'notes' });
  const story = createStory(ctx);
  const curves = h('div', { class: 'charts' });
  let shown: ClassroomData | undefined;
  // "Seed 2: " before the section titles that follow the chosen seed, when there are several.
  const seedTags = [h('span', {}), h('span', {})];

  const showRun = (index: number): void => {
    const run = shown?.runs[index];
    if (!run) return;
    const named = shown!.runs.length > 1 && run.seed !== undefined;
    for (const tag of seedTags) tag.textContent = named ? `Seed ${run.seed}: ` : '';
    renderHeadline(headline, run, named);
    renderArms(table, run.arms);
    replace(notes, ...run.notes.map((n) => h('p', { class: 'note' }, n)));
    renderCurves(curves, run.curves);
  };
  const seeds = createSeedPicker(showRun);
  const show = (data: ClassroomData): void => {
    shown = data;
    status.textContent = data.source;
    caveat.textContent = data.caveat ?? '';
    caveat.hidden = !data.caveat;
    seeds.show(data.seeds);
    showRun(0);
    story.show(data.details, data.samples);
  };
  const loadReference = async (): Promise<void> => {
    status.textContent = 'loading the reference run…';
    try {
      const res = await fetch(new URL('reference/run.json', document.baseURI));
      if (!res.ok) throw new Error(`reference/run.json: HTTP ${res.status}`);
      show(fromReference(await res.json()));
      (seeds.el.hidden ? headline : seeds.el).focus();
    } catch (err) {
      status.textContent = `The reference run could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  const refBtn = h('button', { class: 'primary', 'data-action': 'load-reference' }, 'Load the reference run');
  refBtn.addEventListener('click', () => void loadReference());
  const runBtn = h('button', { 'data-action': 'run-classroom' }, 'Run the classroom preset here (about 3 min)');
  runBtn.addEventListener('click', async () => {
    runBtn.disabled = true;
    const ok = await runPreset(ctx, 'classroom', (t) => { status.textContent = `classroom preset: ${t}`; });
    runBtn.disabled = false;
    const data = fromState(ctx.store.state);
    if (ok && data) show(data);
  });
  const mineBtn = h('button', { 'data-action': 'show-mine' }, 'Show my run');
  mineBtn.addEventListener('click', () => {
    const data = fromState(ctx.store.state);
    if (data) show(data);
    else status.textContent = 'No run of yours yet: build pairs and evaluate, or run the classroom preset.';
  });
  const overview = createOverview(() => void loadReference());
  const howBtn = h('button', { 'data-action': 'show-overview', onclick: () => overview.show() }, 'How it works');
  // A finished run in the app replaces what is shown when the user was looking at their own run.
  let lastEval: unknown;
  ctx.store.subscribe((s) => {
    if (s.evaluation === lastEval) return;
    lastEval = s.evaluation;
    const data = shown?.kind === 'app' ? fromState(s) : undefined;
    if (data) show(data);
  });

  return h('div', { class: 'classroom-view' },
    overview.el,
    h('div', { class: 'row' }, refBtn, runBtn, mineBtn, howBtn),
    status,
    caveat,
    seeds.el,
    headline, notes,
    h('section', { 'aria-labelledby': 'arms-title' }, h('h3', { id: 'arms-title' }, seedTags[0], 'Every model on the same test turns'), table),
    story.el,
    h('section', { 'aria-labelledby': 'curves-title' }, h('h3', { id: 'curves-title' }, seedTags[1], 'Training curves (', term('margin'), ', ', term('KL'), ')'), curves));
};

/** Before -> after in large type, each with its interval, and the paired change with a plain verdict. */
function renderHeadline(el: HTMLElement, run: RunView, named: boolean): void {
  const before = run.arms[0];
  const after = run.arms.find((a) => a.key === run.headline);
  if (!before) return replace(el, h('p', { class: 'muted' }, 'Nothing evaluated yet.'));
  const rate = (a: ArmView): HTMLElement => h('div', { class: 'rate' }, h('div', { class: 'rate-label' }, a.label), h('div', { class: 'rate-value' }, pct(a.errorRate)),
    h('div', { class: 'rate-interval' }, `95% interval ${pct(a.interval[0])} – ${pct(a.interval[1])}`));
  const seed = named ? `Seed ${run.seed}: e` : 'E';
  if (!after) return replace(el, h('h3', {}, `${seed}rror rate (calls not exactly right)`), h('div', { class: 'rates' }, rate(before)));
  const c = after.vsFirst;
  const verdict = !c ? `Change ${pt(after.errorRate - before.errorRate)}.`
    : after.selectedRound === 0 ? `No training round beat the start model on validation, so ${after.short} kept it: ${c.fixed} ${c.fixed === 1 ? 'turn' : 'turns'} fixed, ${c.broken} broken, of ${c.n}.`
    : `Change ${pt(c.change)} (95% interval ${pt(c.low)} to ${pt(c.high)}): ${c.fixed} ${c.fixed === 1 ? 'turn' : 'turns'} fixed, ${c.broken} broken, of ${c.n} (exact McNemar ${formatP(c.p)}). ` +
      (c.low <= 0 && c.high >= 0 ? 'The interval includes 0: on this test set the change cannot be told from noise.'
        : c.high < 0 ? 'Fewer errors: the interval lies below 0.' : 'More errors: the interval lies above 0.');
  replace(el,
    h('h3', {}, `${seed}rror rate (share of assistant turns not exactly right), with its `, term('interval')),
    h('div', { class: 'rates' }, rate(before), h('div', { class: 'arrow', 'aria-hidden': 'true' }, '→'), rate(after)),
    h('p', { class: 'verdict', 'data-testid': 'verdict' }, verdict));
}

/** One row per arm the source lists, in its order, each compared with the first on the same turns. */
function renderArms(el: HTMLElement, arms: ArmView[]): void {
  const base = arms[0];
  const withRounds = arms.some((a) => a.rounds?.length);
  replace(el, h('div', { class: 'table-scroll' }, h('table', { class: 'arms-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'model'), h('th', { class: 'num' }, 'error rate'), h('th', { class: 'num' }, '95% interval'),
      h('th', { class: 'num' }, 'change vs first'), h('th', { class: 'num' }, 'mean ESM'), h('th', { class: 'num' }, 'turns'),
      withRounds ? h('th', {}, 'validation error by round') : null)),
    h('tbody', {}, ...arms.map((a, i) => {
      const c = a.vsFirst;
      return h('tr', { 'data-arm': a.key }, h('td', {}, a.label), h('td', { class: 'num' }, pct(a.errorRate)), h('td', { class: 'num' }, `${pct(a.interval[0])} – ${pct(a.interval[1])}`),
        h('td', { class: 'num' }, i === 0 ? '—' : c ? `${pt(c.change)} [${pt(c.low)}, ${pt(c.high)}]` : pt(a.errorRate - base.errorRate)),
        h('td', { class: 'num' }, a.meanEsm.toFixed(3)), h('td', { class: 'num' }, String(a.turns)),
        withRounds ? h('td', { 'data-testid': 'rounds' }, roundsText(a)) : null);
    })))));
}

/** "round 1 33.3%, round 2 30.1% (kept round 2)": the loop's per-round validation error of an arm. */
function roundsText(a: ArmView): string {
  if (!a.rounds?.length) return '—';
  const kept = a.selectedRound === undefined ? '' : a.selectedRound === 0 ? ' (kept the start: no round beat it)' : ` (kept round ${a.selectedRound})`;
  return a.rounds.map((r) => `round ${r.round} ${pct(r.valErrorRate)}`).join(', ') + kept;
}

/** One chart per metric (loss, margin, KL), one line per run that has curves. */
function renderCurves(el: HTMLElement, curves: RunView['curves']): void {
  if (!curves.length) return replace(el, h('p', { class: 'muted' }, 'No training curves in this run.'));
  const metrics: [string, string][] = [['loss', 'Loss'], ['rewards/margins', 'Reward margin'], ['kl', `KL to the reference (median of ${KL_WINDOW} steps, log scale)`]];
  replace(el, ...metrics.map(([key, title]) => {
    const series = curves.map((c, i) => ({ key: `${i}`, label: c.label }));
    const byStep = new Map<number, MetricPoint>();
    curves.forEach((c, i) => (key === 'kl' ? trailingMedian(c.points, key, KL_WINDOW) : c.points).forEach((p) => {
      if (typeof p[key] !== 'number') return;
      const row = byStep.get(p.step) ?? { step: p.step };
      row[`${i}`] = p[key];
      byStep.set(p.step, row);
    }));
    const chart = createLineChart(title, series, `classroom-chart-${key.replace(/\W+/g, '-')}`, 'step', key === 'kl');
    chart.set([...byStep.values()].sort((a, b) => a.step - b.step));
    return chart.el;
  }));
}
