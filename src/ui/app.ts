// The app shell: header (status line), alert banner, stage bar and one panel per stage. Restores the
// persisted state, starts the workers, loads the start model, and recovers when the engine dies.
import type { BackendName } from '../protocol.ts';
import { createAlertBanner } from './alert_banner.ts';
import type { AppContext, View } from './context.ts';
import { h } from './dom.ts';
import { loadStartModel } from './model_loader.ts';
import { persistStorage } from './persist.ts';
import { createPipelineBar } from './pipeline_bar.ts';
import { createStageBar, showStage } from './stage_bar.ts';
import { PANEL_LABELS, PANELS, STAGE_LABELS, STAGES, Store, type PanelName } from './state.ts';
import { restoreState, syncState } from './state_sync.ts';
import { createStatusLine } from './status_line.ts';
import { callback, startDataWorker, startEngineWorker } from './workers.ts';

export interface AppOptions {
  views: Partial<Record<PanelName, View>>;
  /** Panel shown first when the URL names none. */
  initialStage?: PanelName;
  /** Backends to try, in order (default: webgpu, wasm, cpu). */
  backendOrder?: BackendName[];
  /** wasm threads (default: the cores available). */
  threads?: number;
}

export async function mountApp(root: HTMLElement, options: AppOptions): Promise<AppContext> {
  const store = new Store();
  await restoreState(store);
  syncState(store, (text) => store.update({ alert: { text } }));
  void persistStorage();
  const engine = startEngineWorker();
  const data = startDataWorker();
  const ctx: AppContext = {
    store, engine, data, stages: {},
    async refreshStatus() {
      const s = await engine.api.status();
      store.update({ backend: s.backend, memory: s.memory, model: s.model ?? store.state.model });
    },
  };

  const panels = PANELS.map((stage) => {
    const view = options.views[stage];
    const body = view ? view(ctx) : h('p', {}, `${PANEL_LABELS[stage]}: not available yet.`);
    return h('section', {
      class: 'stage-panel', id: `panel-${stage}`, role: 'tabpanel', 'aria-labelledby': `tab-${stage}`, 'data-stage': stage, tabindex: 0,
    }, h('h2', {}, PANEL_LABELS[stage]), body);
  });
  const select = (stage: PanelName): void => {
    showStage(root, stage);
    history.replaceState(null, '', `#${stage}`);
  };
  root.replaceChildren(
    h('header', { class: 'app-header' }, h('h1', {}, 'TTPA Lab'), createStatusLine(store), createPipelineBar(ctx)),
    createAlertBanner(store),
    createStageBar(store, select),
    h('main', { class: 'panels' }, ...panels),
  );
  const fromHash = location.hash.slice(1) as PanelName;
  select(PANELS.includes(fromHash) ? fromHash : options.initialStage ?? 'data');

  const recover = (why: string): void => {
    const running = STAGES.filter((s) => store.state.stages[s].status === 'running' || store.state.stages[s].status === 'paused');
    engine.restart();
    for (const s of running) store.setStage(s, { status: 'stopped', error: why });
    void startEngine(ctx, options).then(() => {
      const resumable = running.filter((s) => s === 'sft' || s === 'dpo');
      store.update({
        alert: {
          text: `The engine stopped (${why}) and was restarted with the last saved model.` +
            (resumable.length ? ` The ${resumable.join(' and ')} run can resume from its last checkpoint.` : ''),
          actions: resumable.map((s) => ({ label: `Go to ${STAGE_LABELS[s]}`, run: () => select(s) })),
        },
      });
    });
  };
  engine.onDeath((reason) => recover(`worker died: ${reason}`));
  data.onDeath((reason) => {
    data.restart();
    store.update({ alert: { text: `The data worker stopped (${reason}) and was restarted.` } });
  });
  void startEngine(ctx, options, (message) => recover(`WebGPU device lost: ${message}`));
  setInterval(() => void ctx.refreshStatus().catch(() => undefined), 5000);
  return ctx;
}

async function startEngine(ctx: AppContext, options: AppOptions, onDeviceLost?: (message: string) => void): Promise<void> {
  try {
    const backend = await ctx.engine.api.init({ order: options.backendOrder, threads: options.threads });
    ctx.store.update({ backend });
    if (onDeviceLost) await ctx.engine.api.watch(callback((e) => onDeviceLost(e.message)));
    await ctx.refreshStatus();
    await loadStartModel(ctx);
  } catch (err) {
    ctx.store.update({ alert: { text: `The engine could not start: ${err instanceof Error ? err.message : String(err)}` } });
  }
}
