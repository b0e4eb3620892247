// Evaluate panel: the model before and after preference training on the test split, as a table per
// metric and error category plus a bar chart of error rates; and a live prompt whose call is scored.
import type { BiasChoice, ModelSource, Sample, TurnLogps } from '../../protocol.ts';
import { createBarChart } from '../chart.ts';
import { createConfigEditor } from '../config_editor.ts';
import { FIELDS } from '../config_fields.ts';
import type { AppContext, View } from '../context.ts';
import { h, replace } from '../dom.ts';
import { createJobPanel } from '../job_panel.ts';
import { loadModel } from '../model_loader.ts';
import { offerRollback, refusalRunaway } from '../dpo_guard.ts';
import type { AppState, EvaluationReport } from '../state.ts';
import { significanceText, tokenLevelText } from '../eval_significance.ts';
import { headroomTable, headroomText, type EvalHeadroom } from '../eval_headroom.ts';
import { headroomRow } from '../../core/pipeline/headroom_rows.ts';
import { signed, thresholdNote, thresholdProblem } from '../call_threshold.ts';

const isRate = (metric: string): boolean => !/ESM/.test(metric);
const fmt = (metric: string, v: number | null): string =>
  v === null ? '–' : isRate(metric) ? `${(100 * v).toFixed(1)}%` : v.toFixed(3);
/** A change between two values: rates in percentage points, ESM in its own units; never "-0.0". */
export function formatChange(metric: string, d: number | null): string {
  if (d === null) return '–';
  const text = isRate(metric) ? (100 * d).toFixed(1) : d.toFixed(3);
  if (/^-?0\.0+$/.test(text)) return isRate(metric) ? '0.0 pt' : '0.000';
  return `${d > 0 ? '+' : ''}${text}${isRate(metric) ? ' pt' : ''}`;
}

/** The test split's samples; when a dataset has none, the validation split, else train, and says which. */
function testSamples(ctx: AppContext, max: number): { samples: Sample[]; split: 'test' | 'val' | 'train' } {
  const d = ctx.store.state.dataset!;
  const split = d.splits.test.length ? 'test' : d.splits.val.length ? 'val' : 'train';
  return { samples: splitSamples(ctx, split, max), split };
}

function splitSamples(ctx: AppContext, split: 'test' | 'val' | 'train', max: number): Sample[] {
  const d = ctx.store.state.dataset!;
  const ids = new Set(d.splits[split]);
  return d.samples.filter((s) => ids.has(s.id)).slice(0, max);
}

export const evalView: View = (ctx) => {
  const { store } = ctx;
  const editor = createConfigEditor({ id: 'evaluate', fields: FIELDS.evaluate, resolve: (o) => ctx.engine.api.resolveConfig('evaluate', o), onWorkerRestart: (l) => ctx.engine.onRestart(l), initial: { maxSamples: 6, maxNewTokens: 64 } });
  const job = createJobPanel({
    stage: 'evaluate', store, startLabel: 'Evaluate',
    blocked: () => editor.problem() ?? (!store.state.dataset ? 'generate or import a dataset first' : !store.state.model ? 'load a model first'
      : editor.value()?.callThreshold === 'validation' ? thresholdProblem(store.state.dataset.splits) : undefined),
    control: (a) => ctx.engine.api.control(a),
    abortOn: (abort) => ctx.engine.onRestart(abort),
    run: async (onProgress) => {
      const config = editor.value()!;
      const { samples, split } = testSamples(ctx, Number(config.maxSamples));
      const plan = evaluationPlan(store.state);
      const reports: EvaluationReport['reports'] = [];
      const logps: { turns: TurnLogps[]; skipped: number }[] = [];
      const onValidation = config.callThreshold === 'validation';
      const val = onValidation ? splitSamples(ctx, 'val', Number(config.calibrateSamples)) : [];
      const thresholds: { name: string; choice: BiasChoice }[] = [];
      const k = Number(config.passAtK ?? 0);
      const headroom: EvalHeadroom = { k, temperature: Number(config.passTemperature), models: [] };
      for (const step of plan.models) {
        if (step.source) await loadModel(ctx, step.source, { record: false });
        let bias = Number(config.callBias ?? 0);
        if (onValidation) {
          // each model at its own threshold, as the loop's calibrate stages read every arm
          const choice = await ctx.engine.api.calibrate({ config, samples: val, label: step.name }, onProgress);
          if (!choice) return;
          thresholds.push({ name: step.name, choice });
          bias = choice.chosen.bias;
        }
        const predictions = await ctx.engine.api.predict({ config: { ...config, callThreshold: 'fixed', callBias: bias }, samples, label: step.name }, onProgress);
        const report = await ctx.data.api.evaluate(samples, predictions);
        reports.push({ name: step.name, report });
        if (k > 0) {
          // the same seed for every model: the same random stream a turn, as the loop's headroom stages
          const measured = await ctx.engine.api.passAtK({ config, samples, label: step.name }, onProgress);
          if (!measured) return;
          headroom.models.push({ name: step.name, passAtK: measured, row: headroomRow(measured, report) });
        }
        // Before and after: one teacher-forced pass each for the token-level line (a small share of decoding's time).
        if (plan.models.length === 2) logps.push(await ctx.engine.api.turnLogps(samples));
      }
      const tokenLevel = logps.length === 2 ? { ...await ctx.data.api.compareTokens(logps[0].turns, logps[1].turns), skipped: logps[0].skipped } : undefined;
      const bias = Number(config.callBias ?? 0);
      const notes = [...plan.notes, ...(bias ? [`decoded with a call bias of ${signed(bias)} nats on <tool_call> at each turn's first token (0 is plain greedy)`] : []),
        ...thresholds.map((t) => thresholdNote(t.name, t.choice)),
        ...(k > 0 && (bias || onValidation) ? [`the pass@${k} samples are drawn without the call bias; the headroom table's greedy column is read at it`] : []),
        ...(split === 'test' ? [] : [`this dataset has no test split: evaluated on ${split} samples, which ${split === 'train' ? 'the model was trained on' : 'are not held out from tuning'}`])];
      const at = onValidation ? ` at call thresholds set on ${val.length} validation samples (${thresholds.map((t) => `${t.name} ${signed(t.choice.chosen.bias)}`).join(', ')})` : bias ? ` at call bias ${signed(bias)}` : '';
      store.update({ evaluation: { config, reports, notes, ...(tokenLevel ? { tokenLevel } : {}), ...(k > 0 ? { headroom } : {}) } });
      const o = reports[reports.length - 1].report.overall;
      store.record({ stage: 'evaluate', runId: `eval-${Date.now()}`, outcome: 'done', config, detail: `${samples.length} ${split} samples${at}; exact match ${(100 * o.exactMatch).toFixed(1)}%, mean ESM ${o.meanEsm.toFixed(3)}` });
      if (reports.length === 2) {
        const why = refusalRunaway(reports[0].report, reports[1].report);
        if (why) offerRollback(ctx, why);
      }
    },
  });
  editor.onChange(() => job.refresh());
  ctx.stages.evaluate = { configure: (o) => editor.set(o), run: () => job.start() };

  const table = h('div', { 'data-testid': 'eval-table' });
  const chartBox = h('div', { class: 'charts' });
  const renderReports = async (ev: EvaluationReport | undefined): Promise<void> => {
    if (!ev) return replace(table, h('p', { class: 'muted' }, 'Not evaluated yet.'));
    const cmp = await ctx.data.api.compare(ev.reports);
    const rows = cmp.rows.filter((r) => !r.metric.includes(':') || r.metric.startsWith('error:'));
    replace(table, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'metric'), ...cmp.names.map((n) => h('th', { class: 'num' }, n)), cmp.names.length > 1 ? h('th', { class: 'num' }, 'change') : null)),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, h('td', {}, r.metric), ...r.values.map((v) => h('td', { class: 'num' }, fmt(r.metric, v))),
        cmp.names.length > 1 ? h('td', { class: 'num' }, formatChange(r.metric, r.delta)) : null)))),
      ...[significanceText(cmp.significance, ev.reports[0].report.overall.turns)].filter(Boolean).map((t) => h('p', { 'data-testid': 'eval-significance' }, t!)),
      ...[ev.tokenLevel && tokenLevelText(ev.tokenLevel, ev.reports[0].name, ev.reports[ev.reports.length - 1].name, ev.tokenLevel.skipped)].filter(Boolean).map((t) => h('p', { 'data-testid': 'eval-token-level' }, t!)),
      ...(ev.notes ?? []).map((n) => h('p', { class: 'note', 'data-testid': 'eval-note' }, n)),
      ev.headroom ? renderHeadroom(ev.headroom) : null);
    const categories = Object.keys(ev.reports[0].report.overall.errorRates);
    replace(chartBox, createBarChart('Error rate per category', categories, ev.reports.map((r) => ({ label: r.name, values: categories.map((c) => (r.report.overall.errorRates as Record<string, number>)[c]) })), 'eval-bars'));
  };
  let last: unknown;
  store.subscribe((s) => {
    job.refresh();
    if (s.evaluation !== last) {
      last = s.evaluation;
      void renderReports(s.evaluation);
    }
  });

  return h('div', { class: 'eval-view' },
    h('p', { class: 'muted' }, 'Fine-grained evaluation on the test split: exact match, ESM and its parts, and the share of turns with each error category.'),
    editor.el, job.el, table, chartBox, createLivePrompt(ctx));
};

/** What each model's own samples can still reach (evaluate.passAtK > 0): a table and the sentences under it. */
function renderHeadroom(hr: EvalHeadroom): HTMLElement {
  const t = headroomTable(hr);
  return h('section', { 'data-testid': 'eval-headroom' },
    h('h3', {}, `What each model's own samples can still reach (pass@${hr.k})`),
    h('table', {},
      h('thead', {}, h('tr', {}, ...t.header.map((c, i) => h('th', i ? { class: 'num' } : {}, c)))),
      h('tbody', {}, ...t.rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', i ? { class: 'num' } : {}, c)))))),
    h('p', {}, headroomText(hr)));
}

/** Type a question against a test sample's tools and see the model's call scored against its truth. */
function createLivePrompt(ctx: AppContext): HTMLElement {
  const sampleSelect = h('select', { id: 'live-sample', 'aria-label': 'Test sample (tools and expected call)' });
  const prompt = h('textarea', { id: 'live-prompt', rows: 3, 'aria-label': 'Prompt' });
  const runBtn = h('button', { class: 'primary', 'data-action': 'live-run' }, 'Run');
  const out = h('div', { 'data-testid': 'live-result', 'aria-live': 'polite' });
  let samples: Sample[] = [];
  const pick = (): Sample | undefined => samples[Number(sampleSelect.value)];
  sampleSelect.addEventListener('change', () => {
    prompt.value = pick()?.messages.find((m) => m.role === 'user')?.content ?? '';
  });
  ctx.store.subscribe((s) => {
    if (!s.dataset || samples.length) return;
    samples = testSamples(ctx, 50).samples.filter((x) => x.messages.some((m) => m.tool_calls?.length));
    replace(sampleSelect, ...samples.map((x, i) => h('option', { value: i }, `${x.id} (${x.meta.category})`)));
    sampleSelect.dispatchEvent(new Event('change'));
  });
  runBtn.addEventListener('click', async () => {
    const sample = pick();
    if (!sample) return void (out.textContent = 'Generate a dataset first.');
    runBtn.disabled = true;
    out.textContent = 'generating…';
    try {
      const firstUser = sample.messages.findIndex((m) => m.role === 'user');
      const messages = [...sample.messages.slice(0, firstUser), { role: 'user' as const, content: prompt.value }];
      const expected = (sample.messages.slice(firstUser).find((m) => m.role === 'assistant')?.tool_calls ?? []).map((c) => ({ name: c.function.name, arguments: c.function.arguments }));
      const r = await ctx.engine.api.complete(messages, sample.tools, 96);
      const score = await ctx.data.api.scoreText(r.text, expected, sample.tools);
      replace(out,
        h('pre', { class: 'mono' }, r.text || '(empty)'),
        h('p', {}, `ESM ${score.esm.toFixed(3)} (name ${score.parts.name.toFixed(2)}, required ${score.parts.required.toFixed(2)}, key ${score.parts.key.toFixed(2)}, type ${score.parts.type.toFixed(2)}, value ${score.parts.value.toFixed(2)}); ${r.tokens} tokens in ${Math.round(r.ms)} ms`),
        h('p', {}, `Expected: ${expected.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join(', ') || 'no call'}`),
        h('ul', {}, ...score.errors.map((e) => h('li', {}, `${e.category}: ${e.message}`))));
    } catch (err) {
      out.textContent = `Failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      runBtn.disabled = false;
    }
  });
  return h('section', { class: 'live' }, h('h3', {}, 'Try a prompt live'),
    h('div', { class: 'row' }, h('label', { for: 'live-sample' }, 'Tools and expected call from: '), sampleSelect),
    prompt, h('div', { class: 'row' }, runBtn), out);
}

/**
 * Which models Evaluate scores: before and after the last DPO run when it changed the model, else the current
 * one; with notes when the run was cancelled or rolled back, so equal numbers are not read as "no effect".
 */
function evaluationPlan(s: AppState): { models: { name: string; source?: ModelSource }[]; notes: string[] } {
  const run = s.dpo;
  const current = s.model?.name ?? 'current model';
  if (!run?.summary || !run.startSource || !s.modelSource) return { models: [{ name: current }], notes: [] };
  if (s.stages.dpo.status === 'stale') return { models: [{ name: current }], notes: ['the last DPO run is from older inputs: only the current model was evaluated'] };
  if (run.rolledBack) return { models: [{ name: current }], notes: ['the last DPO run was rolled back: this is the pre-DPO model'] };
  const { step, total, outcome } = run.summary;
  if (step === 0) return { models: [{ name: current }], notes: ['the last DPO run was cancelled before its first step: the model is the pre-DPO model'] };
  const after = outcome === 'stopped' ? `after DPO (cancelled at step ${step} of ${total})` : 'after DPO';
  return { models: [{ name: 'before DPO', source: run.startSource }, { name: after, source: s.modelSource }], notes: [] };
}
