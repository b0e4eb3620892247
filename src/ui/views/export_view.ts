// Export panel: pairs as TRL JSONL (checked against TRL's format rules first), the dataset, checkpoints
// as HF folders in a zip, and a Markdown report of the runs; plus what browser storage holds.
import type { CheckpointInfo } from '../../protocol.ts';
import type { AppContext, View } from '../context.ts';
import { formatBytes, h, replace } from '../dom.ts';
import { download } from '../download.ts';
import * as persist from '../persist.ts';
import { STAGE_SHOWN } from '../stage_bar.ts';
import type { Store } from '../state.ts';

export const exportView: View = (ctx) => {
  const { store } = ctx;
  const status = h('p', { role: 'status', 'data-testid': 'export-status' });
  const act = (label: string, fn: () => Promise<string>) => async (): Promise<void> => {
    status.textContent = `${label}…`;
    try {
      status.textContent = await fn();
    } catch (err) {
      status.textContent = `${label} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  const pairsBtn = h('button', { 'data-action': 'export-pairs', onclick: act('Exporting pairs', async () => {
    const pairs = store.state.pairs?.pairs;
    if (!pairs?.length) return 'No pairs to export yet.';
    const { jsonl, problems } = await ctx.data.api.exportPairs(pairs);
    if (problems.length) return `Not exported: TRL's format check failed: ${problems.slice(0, 3).join('; ')}`;
    download('pairs.trl.jsonl', jsonl, 'application/jsonl');
    return `Exported ${pairs.length} pairs (TRL conversational preference format; format check passed).`;
  }) }, 'Pairs (TRL JSONL)');
  const datasetBtn = (format: 'native' | 'trl', label: string): HTMLButtonElement => h('button', { 'data-action': `export-dataset-${format}`, onclick: act('Exporting the dataset', async () => {
    const d = store.state.dataset;
    if (!d) return 'No dataset yet.';
    download(format === 'trl' ? 'dataset.trl.jsonl' : 'dataset.jsonl', await ctx.data.api.exportDataset(d.samples, format), 'application/jsonl');
    return `Exported ${d.samples.length} samples (${label}).`;
  }) }, `Dataset (${label})`);
  const modelBtn = h('button', { 'data-action': 'export-model', onclick: act('Exporting the model', async () => {
    const f = await ctx.engine.api.exportCheckpoint();
    download(f.name, f.bytes, f.mime);
    return `Exported ${f.name} (${formatBytes(f.bytes.byteLength)}, HF safetensors folder).`;
  }) }, 'Current model (HF folder, zip)');
  const reportBtn = h('button', { 'data-action': 'export-report', onclick: act('Writing the report', async () => {
    download('ttpa-report.md', await buildReport(ctx), 'text/markdown');
    return 'Exported ttpa-report.md.';
  }) }, 'Report (Markdown)');

  const storage = h('div', { 'data-testid': 'storage' });
  const refreshStorage = async (): Promise<void> => {
    const [usage, checkpoints] = await Promise.all([persist.usage().catch(() => undefined), ctx.engine.api.listCheckpoints().catch((): CheckpointInfo[] => [])]);
    const drop = (label: string, key: 'dataset' | 'pairs' | 'evaluation' | 'history') =>
      h('button', { onclick: () => { deleteSlice(store, key); void refreshStorage(); } }, `Delete ${label}`);
    replace(storage,
      h('p', {}, usage ? `Using ${formatBytes(usage.usedBytes)} of ${formatBytes(usage.quotaBytes)} available to this site.` : 'Storage estimate unavailable.'),
      h('div', { class: 'row' }, drop('dataset', 'dataset'), drop('pairs', 'pairs'), drop('evaluation', 'evaluation'), drop('run history', 'history')),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'checkpoint'), h('th', {}, 'stage'), h('th', { class: 'num' }, 'step'), h('th', { class: 'num' }, 'size'), h('th', {}, ''))),
        h('tbody', {}, ...checkpoints.map((c) => h('tr', {}, h('td', {}, c.id), h('td', {}, c.stage), h('td', { class: 'num' }, `${c.step}${c.total ? `/${c.total}` : ''}`), h('td', { class: 'num' }, formatBytes(c.bytes)),
          h('td', {},
            h('button', { onclick: act(`Exporting ${c.id}`, async () => { const f = await ctx.engine.api.exportCheckpoint(c.id); download(f.name, f.bytes, f.mime); return `Exported ${f.name}.`; }) }, 'Download'), ' ',
            h('button', { onclick: async () => { await ctx.engine.api.deleteCheckpoint(c.id); void refreshStorage(); } }, 'Delete')))))));
  };
  const history = h('ol', { class: 'history', 'data-testid': 'history' });
  let shownHistory: unknown;
  store.subscribe((s) => {
    if (s.history === shownHistory) return;
    shownHistory = s.history;
    replace(history, ...s.history.slice(-30).map((r) => h('li', {}, `${new Date(r.at).toLocaleTimeString()} ${r.stage}: ${r.outcome}, ${r.detail}`)));
  });
  const refreshBtn = h('button', { onclick: () => void refreshStorage() }, 'Refresh');
  void refreshStorage();
  // Checkpoints and storage change when a model is loaded or a run ends: read them again then, and on showing.
  document.addEventListener(STAGE_SHOWN, (e) => { if ((e as CustomEvent).detail === 'export') void refreshStorage(); });
  let storageKey = '';
  store.subscribe((s) => {
    const k = [s.stages.model.status, s.stages.sft.status, s.stages.dpo.status, JSON.stringify(s.modelSource ?? null)].join('|');
    if (k === storageKey) return;
    storageKey = k;
    void refreshStorage();
  });
  return h('div', { class: 'export-view' },
    h('div', { class: 'row' }, pairsBtn, datasetBtn('native', 'native JSONL'), datasetBtn('trl', 'TRL SFT JSONL'), modelBtn, reportBtn), status,
    h('h3', {}, 'Storage'), h('div', { class: 'row' }, refreshBtn), storage,
    h('h3', {}, 'Run history'), history);
};

/** The stage whose output each deletable slice is: it is no longer done once its output is gone. */
const OWNER = { dataset: 'data', pairs: 'pairs', evaluation: 'evaluate' } as const;

function deleteSlice(store: Store, key: 'dataset' | 'pairs' | 'evaluation' | 'history'): void {
  if (key === 'history') return store.update({ history: [] });
  store.update({ [key]: undefined });
  store.setStage(OWNER[key], { status: 'idle', error: undefined, progress: undefined });
  store.invalidateAfter(OWNER[key]);
}

async function buildReport(ctx: AppContext): Promise<string> {
  const s = ctx.store.state;
  const lines = ['# TTPA Lab report', '', `Generated ${new Date().toISOString()} on ${s.backend?.backend ?? '?'}${s.backend?.adapterInfo ? ` (${s.backend.adapterInfo})` : ''}.`, ''];
  if (s.model) lines.push(`Model: ${s.model.name} (${s.model.source}), ${s.model.nParams.toLocaleString()} parameters.`, '');
  if (s.dataset) lines.push(`Dataset: ${s.dataset.samples.length} samples (${s.dataset.source}); train ${s.dataset.splits.train.length}, test ${s.dataset.splits.test.length}.`, '');
  if (s.pairs) lines.push('## Pairs', '', '```json', JSON.stringify(s.pairs.stats, null, 2), '```', '');
  if (s.evaluation) {
    const cmp = await ctx.data.api.compare(s.evaluation.reports);
    lines.push('## Evaluation', '', cmp.markdown, '');
  }
  lines.push('## Runs', '');
  for (const r of s.history) lines.push(`- ${new Date(r.at).toISOString()} ${r.stage} (${r.runId}): ${r.outcome}, ${r.detail}${r.config ? `\n  config: \`${JSON.stringify(r.config)}\`` : ''}`);
  return lines.join('\n') + '\n';
}
