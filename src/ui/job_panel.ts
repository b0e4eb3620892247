// Start / pause / cancel for one stage's job, with a progress bar, ETA and status text.
// The job itself is a callback (a worker call); pause and cancel go to the worker that runs it.
import type { JobAction, JobProgress, StageName } from '../protocol.ts';
import { formatMs, h } from './dom.ts';
import { STAGE_LABELS, type Store } from './state.ts';
import { callback } from './workers.ts';

export interface JobPanelOptions {
  stage: StageName;
  store: Store;
  startLabel: string;
  /** Runs the job; progress must be passed to the worker as given (already comlink-proxied). */
  run(onProgress: (p: JobProgress) => void): Promise<void>;
  /** Sends pause/resume/stop to the worker running the job. */
  control(action: JobAction): Promise<void>;
  /** Why the job cannot start now (missing input, invalid config), or undefined. */
  blocked?(): string | undefined;
  /** Called with every progress event (charts). */
  onProgress?(p: JobProgress): void;
  /** Registers a callback that abandons the job (its worker was restarted; the call will never settle). */
  abortOn?(abort: () => void): void;
}

export interface JobPanel {
  el: HTMLElement;
  /** Re-evaluates whether Start is allowed. */
  refresh(): void;
  /** Starts the job as if Start was pressed (returns when it ends). */
  start(): Promise<void>;
}

class AbandonedError extends Error {}

/** Stages whose jobs run in the engine worker, which runs one job at a time. */
const ENGINE_STAGES: readonly StageName[] = ['model', 'sft', 'pairs', 'dpo', 'evaluate'];

/** Another engine stage that is running or paused (so this one must wait), or undefined. */
function busyWith(store: Store, stage: StageName): string | undefined {
  if (!ENGINE_STAGES.includes(stage)) return undefined;
  const other = ENGINE_STAGES.find((s) => s !== stage && (store.state.stages[s].status === 'running' || store.state.stages[s].status === 'paused'));
  return other ? `${STAGE_LABELS[other]} is ${store.state.stages[other].status}: finish or cancel it first` : undefined;
}

export function createJobPanel(o: JobPanelOptions): JobPanel {
  const startBtn = h('button', { class: 'primary', 'data-action': 'start' }, o.startLabel);
  const pauseBtn = h('button', { 'data-action': 'pause', disabled: true }, 'Pause');
  const cancelBtn = h('button', { 'data-action': 'cancel', disabled: true }, 'Cancel');
  const bar = h('progress', { max: 1, value: 0, 'aria-label': `${o.stage} progress` });
  const stepText = h('span', { 'data-testid': `${o.stage}-step` });
  const etaText = h('span', {});
  const msgText = h('span', { 'data-testid': `${o.stage}-message` });
  const blockedText = h('span', { class: 'muted' });
  const el = h('div', { class: 'job', 'data-testid': `${o.stage}-job` },
    h('div', { class: 'row' }, startBtn, pauseBtn, cancelBtn, blockedText),
    bar, h('div', { class: 'job-line' }, stepText, etaText, msgText));
  let running = false;
  let paused = false;
  let runSeq = 0;
  let abandon: ((reason: Error) => void) | undefined;
  o.abortOn?.(() => abandon?.(new AbandonedError('the worker was restarted')));

  const whyBlocked = (): string | undefined => busyWith(o.store, o.stage) ?? o.blocked?.();
  const refresh = (): void => {
    const why = running ? undefined : whyBlocked();
    startBtn.disabled = running || !!why;
    blockedText.textContent = why ?? '';
    pauseBtn.disabled = !running;
    cancelBtn.disabled = !running;
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
  };
  let lastProgress: JobProgress | undefined;
  const show = (p: JobProgress): void => {
    lastProgress = p;
    bar.max = Math.max(1, p.total);
    bar.value = p.step;
    stepText.textContent = `step ${p.step} / ${p.total}`;
    etaText.textContent = p.etaMs !== undefined && p.step < p.total ? `ETA ${formatMs(p.etaMs)}` : `elapsed ${formatMs(p.elapsedMs)}`;
    msgText.textContent = p.message ?? '';
  };
  const start = async (): Promise<void> => {
    if (running) return;
    // A blocked start changes nothing (no error status that a reload would keep): the reason is shown.
    const why = whyBlocked();
    if (why) {
      blockedText.textContent = why;
      return;
    }
    running = true;
    paused = false;
    refresh();
    o.store.setStage(o.stage, { status: 'running', error: undefined, progress: undefined });
    o.store.invalidateAfter(o.stage);
    msgText.textContent = 'starting…';
    lastProgress = undefined;
    bar.value = 0;
    stepText.textContent = '';
    etaText.textContent = '';
    let stopped = false;
    try {
      const abandoned = new Promise<never>((_, reject) => { abandon = reject; });
      const mine = ++runSeq;
      await Promise.race([abandoned, o.run(callback((p: JobProgress) => {
        // Progress travels on its own message port and may land after the result: drop it then.
        if (mine !== runSeq || !running) return;
        show(p);
        o.store.setStage(o.stage, { progress: p, status: paused ? 'paused' : 'running' });
        o.onProgress?.(p);
      }))]);
      stopped = cancelRequested;
      o.store.setStage(o.stage, { status: stopped ? 'stopped' : 'done' });
      finish(stopped ? 'cancelled' : 'done');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      msgText.textContent = message;
      etaText.textContent = '';
      if (err instanceof AbandonedError) o.store.setStage(o.stage, { status: 'stopped', error: message });
      else o.store.setStage(o.stage, { status: 'error', error: message });
    } finally {
      abandon = undefined;
      running = false;
      runSeq++;
      paused = false;
      cancelRequested = false;
      refresh();
    }
  };
  /** The last line once a job ends: a full bar when done, the elapsed time (no ETA) either way. */
  const finish = (outcome: 'done' | 'cancelled'): void => {
    const p = lastProgress;
    if (p && outcome === 'done') {
      bar.value = bar.max;
      stepText.textContent = p.total ? `step ${p.total} / ${p.total}` : '';
    }
    etaText.textContent = p ? `elapsed ${formatMs(p.elapsedMs)}` : '';
    msgText.textContent = outcome;
  };
  let cancelRequested = false;
  startBtn.addEventListener('click', () => void start());
  pauseBtn.addEventListener('click', () => {
    paused = !paused;
    void o.control(paused ? 'pause' : 'resume');
    o.store.setStage(o.stage, { status: paused ? 'paused' : 'running' });
    msgText.textContent = paused ? 'paused' : '';
    refresh();
  });
  cancelBtn.addEventListener('click', () => {
    cancelRequested = true;
    msgText.textContent = 'cancelling…';
    void o.control('stop');
  });
  refresh();
  return { el, refresh, start };
}
