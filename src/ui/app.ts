// The app shell: header (status line), alert banner, stage bar and one panel per stage.
// Starts the workers, initialises the engine and restarts a worker that died.
import type { StageName } from '../protocol.ts';
import { createAlertBanner } from './alert_banner.ts';
import type { AppContext, View } from './context.ts';
import { h } from './dom.ts';
import { createStageBar, showStage } from './stage_bar.ts';
import { STAGE_LABELS, STAGES, Store } from './state.ts';
import { createStatusLine } from './status_line.ts';
import { startDataWorker, startEngineWorker } from './workers.ts';

export interface AppOptions {
  views: Partial<Record<StageName, View>>;
  /** Stage shown first. */
  initialStage?: StageName;
}

export function mountApp(root: HTMLElement, options: AppOptions): AppContext {
  const store = new Store();
  const engine = startEngineWorker();
  const data = startDataWorker();
  const ctx: AppContext = {
    store, engine, data,
    async refreshStatus() {
      const s = await engine.api.status();
      store.update({ backend: s.backend, memory: s.memory, model: s.model });
    },
  };

  const panels = STAGES.map((stage) => {
    const view = options.views[stage];
    const body = view ? view(ctx) : h('p', {}, `${STAGE_LABELS[stage]}: not available yet.`);
    return h('section', {
      class: 'stage-panel', id: `panel-${stage}`, role: 'tabpanel', 'aria-labelledby': `tab-${stage}`, 'data-stage': stage, tabindex: 0,
    }, h('h2', {}, STAGE_LABELS[stage]), body);
  });
  const select = (stage: StageName): void => {
    showStage(root, stage);
    history.replaceState(null, '', `#${stage}`);
  };
  root.replaceChildren(
    h('header', { class: 'app-header' }, h('h1', {}, 'TTPA Lab'), createStatusLine(store)),
    createAlertBanner(store),
    createStageBar(store, select),
    h('main', { class: 'panels' }, ...panels),
  );
  const fromHash = location.hash.slice(1) as StageName;
  select(STAGES.includes(fromHash) ? fromHash : options.initialStage ?? 'model');

  engine.onDeath((reason) => {
    store.update({
      alert: {
        text: `The engine worker stopped (${reason}).`,
        actions: [{ label: 'Restart engine', run: () => { engine.restart(); void startEngine(ctx); } }],
      },
    });
  });
  data.onDeath((reason) => {
    data.restart();
    store.update({ alert: { text: `The data worker stopped (${reason}) and was restarted.` } });
  });
  void startEngine(ctx);
  return ctx;
}

async function startEngine(ctx: AppContext): Promise<void> {
  try {
    const backend = await ctx.engine.api.init();
    ctx.store.update({ backend });
    await ctx.refreshStatus();
  } catch (err) {
    ctx.store.update({ alert: { text: `The engine could not start: ${err instanceof Error ? err.message : String(err)}` } });
  }
}
