// Data panel: generate a dataset (reversed construction, in the data worker) or import JSONL, then
// browse samples with their tool calls and results, filtered by category.
import type { DatasetFormat, Sample } from '../../protocol.ts';
import { createConfigEditor } from '../config_editor.ts';
import { FIELDS } from '../config_fields.ts';
import type { View } from '../context.ts';
import { h, replace } from '../dom.ts';
import { createJobPanel } from '../job_panel.ts';
import type { Dataset } from '../state.ts';
import { renderSample, sampleTitle } from './sample_view.ts';

export const dataView: View = (ctx) => {
  const { store } = ctx;
  const editor = createConfigEditor({ id: 'data', fields: FIELDS.data, resolve: (o) => ctx.data.api.resolveConfig(o), onWorkerRestart: (l) => ctx.data.onRestart(l), initial: { n: 48, seed: 1 } });
  const job = createJobPanel({
    stage: 'data', store, startLabel: 'Generate dataset',
    blocked: () => editor.problem(),
    control: (a) => ctx.data.api.control(a),
    abortOn: (abort) => ctx.data.onRestart(abort),
    run: async (onProgress) => {
      const r = await ctx.data.api.generate(editor.value()!, onProgress);
      store.update({ dataset: { samples: r.samples, splits: r.splits, source: 'generated', config: r.config } });
      store.record({ stage: 'data', runId: `data-${Date.now()}`, outcome: r.outcome, detail: `${r.samples.length} samples generated`, config: r.config });
    },
  });
  editor.onChange(() => job.refresh());
  ctx.stages.data = { configure: (o) => editor.set(o), run: () => job.start() };

  const fileInput = h('input', { type: 'file', accept: '.jsonl,.json,application/json', id: 'import-dataset' });
  const formatSelect = h('select', { id: 'import-format', 'aria-label': 'Dataset format' },
    h('option', { value: 'native' }, 'native (TTPA Lab samples)'), h('option', { value: 'hermes' }, 'Hermes function calling'), h('option', { value: 'xlam' }, 'xLAM (Salesforce)'));
  const importMsg = h('span', { class: 'muted', role: 'status', 'data-testid': 'import-message' });
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    try {
      const r = await ctx.data.api.importDataset(await file.text(), formatSelect.value as DatasetFormat, file.name);
      store.update({ dataset: { samples: r.samples, splits: r.splits, source: 'imported' } });
      store.setStage('data', { status: 'done', error: undefined });
      store.invalidateAfter('data');
      const skipped = r.errors.length ? `; ${r.errors.length} lines skipped (${r.errors.slice(0, 2).join('; ')})` : '';
      store.record({ stage: 'data', runId: `import-${Date.now()}`, outcome: 'done', detail: `${r.samples.length} samples imported from ${file.name}${skipped}` });
      importMsg.textContent = `${r.samples.length} samples imported from ${file.name} as ${formatSelect.value}${skipped}`;
    } catch (err) {
      importMsg.textContent = `Import failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      // Cleared so that picking the same file again (say, after choosing another format) imports it again.
      fileInput.value = '';
    }
  });

  const summary = h('p', { 'data-testid': 'data-summary' });
  const filter = h('select', { id: 'sample-filter', 'aria-label': 'Filter by category' });
  const list = h('div', { class: 'sample-list', role: 'listbox', 'aria-label': 'Samples', tabindex: 0 });
  const detail = h('div', { class: 'sample-detail' });
  let selected = 0;
  let shown: Sample[] = [];
  const select = (i: number): void => {
    selected = Math.max(0, Math.min(shown.length - 1, i));
    list.querySelectorAll('[role=option]').forEach((el, j) => el.setAttribute('aria-selected', String(j === selected)));
    if (shown[selected]) list.setAttribute('aria-activedescendant', `sample-option-${selected}`);
    else list.removeAttribute('aria-activedescendant');
    (list.children[selected] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
    replace(detail, shown[selected] ? renderSample(shown[selected]) : h('p', { class: 'muted' }, 'No sample selected.'));
  };
  list.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      select(selected + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      select(e.key === 'Home' ? 0 : shown.length - 1);
    }
  });
  const renderList = (dataset: Dataset | undefined): void => {
    const cat = filter.value;
    shown = (dataset?.samples ?? []).filter((s) => !cat || s.meta.category === cat).slice(0, 500);
    replace(list, ...shown.map((s, i) => h('div', { role: 'option', id: `sample-option-${i}`, tabindex: -1, 'aria-selected': 'false', 'data-id': s.id, onclick: () => select(i) },
      h('span', { class: 'muted' }, `${s.meta.category} · `), sampleTitle(s))));
    select(0);
  };
  filter.addEventListener('change', () => renderList(store.state.dataset));
  let lastDataset: Dataset | undefined;
  store.subscribe((s) => {
    job.refresh();
    if (s.dataset === lastDataset) return;
    lastDataset = s.dataset;
    const d = s.dataset;
    if (!d) {
      summary.textContent = 'No dataset yet: generate one or import a JSONL file.';
    } else {
      const counts = new Map<string, number>();
      for (const x of d.samples) counts.set(x.meta.category, (counts.get(x.meta.category) ?? 0) + 1);
      summary.textContent = `${d.samples.length} samples (${d.source}); train ${d.splits.train.length}, val ${d.splits.val.length}, test ${d.splits.test.length}; ` +
        [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
      replace(filter, h('option', { value: '' }, 'all categories'), ...[...counts.keys()].map((k) => h('option', { value: k }, k)));
    }
    renderList(d);
  });

  return h('div', { class: 'data-view' },
    h('p', { class: 'muted' }, 'Reversed construction: real tool calls are executed first, the answer written from their results, and the question written last.'),
    editor.el, job.el,
    h('div', { class: 'row' }, h('label', { for: 'import-dataset' }, 'Or import a dataset (JSONL): '), formatSelect, fileInput, importMsg),
    summary,
    h('div', { class: 'row' }, h('label', { for: 'sample-filter' }, 'Browse: '), filter),
    h('div', { class: 'cols' }, list, detail));
};
