// A dismissible banner for events the user must act on: a worker died, storage is full.
import { h, replace } from './dom.ts';
import type { Store } from './state.ts';

export function createAlertBanner(store: Store): HTMLElement {
  const el = h('div', { class: 'alert', role: 'alert', 'data-testid': 'alert', hidden: true });
  store.subscribe((s) => {
    el.hidden = !s.alert;
    if (!s.alert) return;
    const actions = (s.alert.actions ?? []).map((a) => h('button', { onclick: () => { store.update({ alert: undefined }); a.run(); } }, a.label));
    replace(el, h('span', {}, s.alert.text), ...actions, h('button', { class: 'dismiss', 'aria-label': 'Dismiss', onclick: () => store.update({ alert: undefined }) }, '×'));
  });
  return el;
}
