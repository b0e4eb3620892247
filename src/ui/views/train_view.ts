// The shared body of the SFT and DPO panels: resolved config, start/pause/cancel with progress and ETA,
// live charts of the run's metrics, and resuming an interrupted run from its last checkpoint.
import type { JobProgress, MetricPoint, ModelSource, TrainResultSummary } from '../../protocol.ts';
import { createLineChart, type SeriesSpec } from '../chart.ts';
import { createConfigEditor } from '../config_editor.ts';
import { FIELDS } from '../config_fields.ts';
import type { AppContext } from '../context.ts';
import { h } from '../dom.ts';
import { klRunaway, offerRollback } from '../dpo_guard.ts';
import { trailingMedians } from '../trailing_median.ts';
import { createJobPanel } from '../job_panel.ts';
import { loadModel } from '../model_loader.ts';
import { callback } from '../workers.ts';
import type { AppState, TrainRun } from '../state.ts';

export interface TrainViewSpec {
  stage: 'sft' | 'dpo';
  startLabel: string;
  intro: string;
  /**
   * `optional`: shown only once a run has a point for one of its series (DPO's anchor NLL, anchor off); `median`: each
   * series drawn as its trailing median over that many steps; `logY`: a log-scaled y axis (both for KL, see chart.ts);
   * `id`: the chart's test id suffix (default: from the title).
   */
  charts: { title: string; series: SeriesSpec[]; optional?: boolean; median?: number; logY?: boolean; id?: string }[];
  /** Config overrides used the first time. */
  initial: Record<string, unknown>;
  blocked(state: AppState): string | undefined;
  /** More of the panel below the charts, shown from the current run (DPO: the per-round results). */
  extra?: { el: HTMLElement; show(run: TrainRun | undefined): void };
  train(ctx: AppContext, run: { runId: string; config: Record<string, unknown>; resumeFrom?: string }, onProgress: (p: JobProgress) => void): Promise<TrainResultSummary>;
}

export function createTrainView(ctx: AppContext, spec: TrainViewSpec): HTMLElement {
  const { store } = ctx;
  const key = spec.stage;
  const editor = createConfigEditor({ id: key, fields: FIELDS[key], resolve: (o) => ctx.engine.api.resolveConfig(key, o), onWorkerRestart: (l) => ctx.engine.onRestart(l), initial: spec.initial });
  const charts = spec.charts.map((c) => createLineChart(c.title, c.series, `${key}-chart-${c.id ?? c.title.toLowerCase().replace(/\W+/g, '-')}`, 'step', c.logY));
  const chartPoints = (i: number, points: MetricPoint[]): MetricPoint[] => {
    const c = spec.charts[i];
    return c.median ? trailingMedians(points, c.series.map((x) => x.key), c.median) : points;
  };
  for (const [i, c] of charts.entries()) if (spec.charts[i].optional) c.el.hidden = !hasSeries(store.state[key]?.points ?? [], spec.charts[i].series);
  const notes = h('p', { class: 'muted', 'data-testid': `${key}-notes` });
  let pendingResume: { id: string; step: number } | undefined;

  const execute = async (onProgress: (p: JobProgress) => void): Promise<void> => {
    const resume = pendingResume;
    pendingResume = undefined;
    let restarted = false;
    const prev = store.state[key];
    let run: TrainRun;
    if (resume && prev) {
      run = { ...prev, points: prev.points.filter((p) => p.step <= resume.step), summary: undefined };
      if (key === 'sft') await loadModel(ctx, { kind: 'checkpoint', id: resume.id });
      else if (prev.startSource) await loadModel(ctx, prev.startSource);
    } else {
      const config = editor.value()!;
      if (key === 'dpo') restarted = await restartFromReference(ctx);
      run = { runId: `${key}-${Date.now()}`, config, points: [], startedAt: Date.now(), startSource: store.state.modelSource };
    }
    store.update({ [key]: run });
    const summary = await spec.train(ctx, { runId: run.runId, config: run.config, resumeFrom: resume?.id }, callback((p: JobProgress) => {
      onProgress(p);
      const cur = store.state[key];
      if (cur && p.points.length) store.update({ [key]: { ...cur, points: [...cur.points, ...p.points] } });
    }));
    if (restarted) summary.notes.push('started from the pre-DPO model again (the last run\'s reference), not from that run\'s result');
    const done = store.state[key]!;
    const modelSource: ModelSource | undefined = summary.checkpointId ? { kind: 'checkpoint', id: summary.checkpointId } : store.state.modelSource;
    store.update({ [key]: { ...done, summary }, modelSource });
    store.record({
      stage: key, runId: run.runId, outcome: summary.outcome, config: summary.config,
      detail: `${summary.step}/${summary.total} steps, final loss ${summary.losses.at(-1)?.toFixed(4) ?? '—'}; ${summary.notes.join('; ')}`,
    });
    await ctx.refreshStatus();
  };
  const job = createJobPanel({
    stage: key, store, startLabel: spec.startLabel,
    blocked: () => editor.problem() ?? spec.blocked(store.state),
    control: (a) => ctx.engine.api.control(a),
    abortOn: (abort) => ctx.engine.onRestart(abort),
    run: execute,
  });
  editor.onChange(() => job.refresh());
  ctx.stages[key] = { configure: (o) => editor.set(o), run: () => job.start() };

  const resumeBtn = h('button', { hidden: true, 'data-action': 'resume-run' }, 'Resume from last checkpoint');
  resumeBtn.addEventListener('click', () => {
    if (!resumeBtn.dataset.id) return;
    pendingResume = { id: resumeBtn.dataset.id, step: Number(resumeBtn.dataset.step) };
    resumeBtn.hidden = true;
    void job.start();
  });
  /** Shows Resume when the run did not finish and one of its checkpoints is stored. */
  const checkResume = async (): Promise<void> => {
    const run = store.state[key];
    const status = store.state.stages[key].status;
    if (!run || run.summary?.outcome === 'done' || status === 'running' || status === 'paused') return void (resumeBtn.hidden = true);
    const ck = (await ctx.engine.api.listCheckpoints().catch(() => [])).find((c) => c.runId === run.runId && c.step < c.total);
    resumeBtn.hidden = !ck;
    if (ck) {
      resumeBtn.dataset.id = ck.id;
      resumeBtn.dataset.step = String(ck.step);
      resumeBtn.textContent = `Resume from checkpoint (step ${ck.step} of ${ck.total})`;
    }
  };

  const checkedRuns = new Set<string>();
  let lastRun: TrainRun | undefined;
  let lastStatus = '';
  let lastModel = '';
  store.subscribe((s) => {
    job.refresh();
    const run = s[key];
    if (run !== lastRun) {
      if (run?.points.length !== lastRun?.points.length || run?.runId !== lastRun?.runId) {
        for (const [i, c] of charts.entries()) {
          c.set(chartPoints(i, run?.points ?? []));
          if (spec.charts[i].optional) c.el.hidden = !hasSeries(run?.points ?? [], spec.charts[i].series);
        }
      }
      lastRun = run;
      // Checked once the run has ended (its last points may arrive just after the result).
      if (key === 'dpo' && run?.summary && !run.rolledBack && !checkedRuns.has(run.runId)) {
        const why = klRunaway(run.points);
        if (why) {
          checkedRuns.add(run.runId);
          offerRollback(ctx, why);
        }
      }
      spec.extra?.show(run);
      notes.textContent = run?.summary ? `Run ${run.runId}: ${run.summary.outcome}, ${run.summary.step}/${run.summary.total} steps. ${run.summary.notes.join('; ')}` : '';
    }
    // Re-checked when the status changes and when a model is (re)loaded, e.g. after an engine restart.
    const model = `${s.model?.name}:${s.model?.note ?? ''}`;
    if (s.stages[key].status !== lastStatus || model !== lastModel) {
      lastStatus = s.stages[key].status;
      lastModel = model;
      void checkResume();
    }
  });
  return h('div', { class: `${key}-view` },
    h('p', { class: 'muted' }, spec.intro), editor.el, job.el, h('div', { class: 'row' }, resumeBtn), notes,
    spec.extra?.el, h('div', { class: 'charts' }, ...charts.map((c) => c.el)));
}

/**
 * A new DPO run starts from the model the last one started from (its reference) when the engine holds that
 * run's result, so Start DPO twice does not train on top of the DPO'd model.
 */
async function restartFromReference(ctx: AppContext): Promise<boolean> {
  const prev = ctx.store.state.dpo;
  const now = ctx.store.state.modelSource;
  const holdsResult = prev?.summary?.checkpointId && now?.kind === 'checkpoint' && now.id === prev.summary.checkpointId;
  if (!prev?.startSource || !holdsResult || prev.rolledBack) return false;
  await loadModel(ctx, prev.startSource, { record: false });
  return true;
}

/** Whether any point carries one of the series (a metric a run without that feature never logs). */
function hasSeries(points: MetricPoint[], series: SeriesSpec[]): boolean {
  return points.some((p) => series.some((x) => p[x.key] !== undefined));
}
