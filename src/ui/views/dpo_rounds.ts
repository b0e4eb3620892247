// The DPO panel's per-round results (rounds > 1): validation error and pairs per round as charts, and the same
// numbers as a table (the charts' text alternative). Renders TrainRun.rounds; runs nothing itself.
import type { DpoRoundResult } from '../../protocol.ts';
import { createLineChart } from '../chart.ts';
import { h, replace } from '../dom.ts';

export interface RoundsPanel {
  el: HTMLElement;
  show(rounds: DpoRoundResult[] | undefined): void;
}

export function createRoundsPanel(): RoundsPanel {
  const error = createLineChart('Validation error by round', [{ key: 'valError', label: 'validation error (%)' }], 'dpo-rounds-chart', 'round');
  const pairs = createLineChart('Pairs by round', [{ key: 'pairs', label: 'pairs' }], 'dpo-rounds-pairs-chart', 'round');
  const table = h('div', { class: 'table-scroll', 'data-testid': 'dpo-rounds-table' });
  const el = h('section', { class: 'dpo-rounds', hidden: true, 'aria-labelledby': 'dpo-rounds-title' },
    h('h3', { id: 'dpo-rounds-title' }, 'Rounds'),
    h('p', { class: 'muted' }, 'After every round the model is checked on the first validation conversations; rounds after the first train on pairs the updated model built from fresh train conversations.'),
    h('div', { class: 'charts' }, error.el, pairs.el), table);
  let shown: DpoRoundResult[] | undefined;
  return {
    el,
    show(rounds) {
      if (rounds === shown) return;
      shown = rounds;
      el.hidden = !rounds?.length;
      const points = (rounds ?? []).map((r) => ({ step: r.round, valError: 100 * r.valErrorRate, pairs: r.pairs }));
      error.set(points);
      pairs.set(points);
      replace(table, rounds?.length ? roundsTable(rounds) : null);
    },
  };
}

function roundsTable(rounds: DpoRoundResult[]): HTMLElement {
  const num = (v: string): HTMLElement => h('td', { class: 'num' }, v);
  return h('table', {},
    h('caption', {}, `${rounds.length} round${rounds.length === 1 ? '' : 's'}, validation on ${rounds[0].valTurns} turns`),
    h('thead', {}, h('tr', {}, ...['round', 'train conversations', 'pairs', 'steps', 'final loss', 'validation error', 'mean ESM'].map((c, i) => h('th', i ? { class: 'num' } : {}, c)))),
    h('tbody', {}, ...rounds.map((r) => h('tr', {},
      h('td', {}, String(r.round)), num(String(r.sampleIds.length)), num(r.pairsKept !== undefined && r.pairsKept !== r.pairs ? `${r.pairsKept} of ${r.pairs}` : String(r.pairs)), num(String(r.steps)),
      num(r.finalLoss === undefined ? '—' : r.finalLoss.toFixed(4)), num(`${(100 * r.valErrorRate).toFixed(1)}%`), num(r.valMeanEsm.toFixed(3))))));
}
