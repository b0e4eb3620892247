// The stage bar: one tab per stage with its status; arrow keys move between tabs (WAI-ARIA tabs pattern).
import { h } from './dom.ts';
import { PANEL_LABELS, PANELS, type PanelName, type Store } from './state.ts';

export function createStageBar(store: Store, select: (stage: PanelName) => void): HTMLElement {
  const tabs = PANELS.map((stage) =>
    h('button', {
      role: 'tab', id: `tab-${stage}`, 'aria-controls': `panel-${stage}`, 'data-stage': stage, class: 'stage-tab',
      onclick: () => select(stage),
    }, h('span', { class: 'stage-name' }, PANEL_LABELS[stage]), h('span', { class: 'stage-status', 'aria-live': 'polite' })),
  );
  const bar = h('nav', { class: 'stage-bar', role: 'tablist', 'aria-label': 'Stages' }, ...tabs);
  bar.addEventListener('keydown', (e) => {
    const i = tabs.findIndex((t) => t === document.activeElement);
    if (i < 0) return;
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : -1;
    if (next === -1) return;
    e.preventDefault();
    const j = (next + tabs.length) % tabs.length;
    tabs[j].focus();
    select(PANELS[j]);
  });
  store.subscribe((state) => {
    PANELS.forEach((stage, i) => {
      if (stage === 'classroom') return;
      const s = state.stages[stage];
      tabs[i].dataset.status = s.status;
      const pct = s.status === 'running' && s.progress?.total ? ` ${Math.floor((100 * s.progress.step) / s.progress.total)}%` : '';
      tabs[i].querySelector('.stage-status')!.textContent = s.status === 'idle' ? '' : `${s.status}${pct}`;
    });
  });
  return bar;
}

/** Marks `stage` as the selected tab and shows its panel. */
export function showStage(root: HTMLElement, stage: PanelName): void {
  for (const tab of root.querySelectorAll<HTMLElement>('.stage-tab')) {
    const on = tab.dataset.stage === stage;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  for (const panel of root.querySelectorAll<HTMLElement>('.stage-panel')) panel.hidden = panel.dataset.stage !== stage;
  document.dispatchEvent(new CustomEvent<PanelName>(STAGE_SHOWN, { detail: stage }));
}

/** Document event sent when a stage's panel is shown (detail: the stage), so a view can refresh what it reads. */
export const STAGE_SHOWN = 'ttpa:stage-shown';
