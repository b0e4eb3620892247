// The reference's seeds as one radio group: each option is that seed's headline (start -> TTPA error rates with
// intervals, turns fixed and broken, p) under the line across seeds, so every seed is on screen at once and
// choosing one (click, or arrow keys) shows its details below. Renders SeedsSummary; computes nothing.
import { h, replace } from '../dom.ts';
import type { ArmView } from './classroom_data.ts';
import { formatP, type SeedRow, type SeedsSummary } from './seeds.ts';

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const rate = (a: ArmView): string => `${pct(a.errorRate)} [${pct(a.interval[0])}–${pct(a.interval[1])}]`;

export function createSeedPicker(onPick: (index: number) => void): { el: HTMLElement; show(s: SeedsSummary | undefined): void } {
  const title = h('h3', { id: 'seeds-title' });
  const line = h('p', { class: 'seeds-line', 'data-testid': 'seeds-line' });
  const group = h('fieldset', { class: 'seed-pick' });
  const el = h('section', { class: 'seeds', 'aria-labelledby': 'seeds-title', 'data-testid': 'seeds', tabindex: -1 }, title, line, group);
  group.addEventListener('change', (e) => onPick(Number((e.target as HTMLInputElement).value)));
  return {
    el,
    show(s) {
      el.hidden = !s;
      if (!s) return;
      title.textContent = `The same run on ${s.rows.length} seeds (each a fresh dataset)`;
      line.textContent = s.line;
      replace(group, h('legend', {}, 'Show the details of'), ...s.rows.map((row, i) => card(row, i, s.arm)));
    },
  };
}

function card(row: SeedRow, index: number, arm: string): HTMLElement {
  const input = h('input', { type: 'radio', name: 'classroom-seed', value: index, checked: index === 0, 'data-seed': row.seed });
  const change = row.vs ? `${row.vs.fixed} ${row.vs.fixed === 1 ? 'turn' : 'turns'} fixed, ${row.vs.broken} broken, ${formatP(row.vs.p)}` : '';
  return h('label', { class: 'seed-card' }, input,
    h('span', { class: 'seed-text' },
      h('strong', {}, `Seed ${row.seed}`),
      h('span', {}, `start ${rate(row.start)} → ${arm} ${rate(row.arm)}`),
      h('span', { class: 'muted' }, [change, row.keptStart ? `${arm} kept the start model` : ''].filter(Boolean).join('; '))));
}
