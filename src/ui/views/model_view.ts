// Model panel: the backend in use (and why others were skipped), adapter, threads, memory; the loaded model;
// load the shipped default, a fresh preset, an HF folder (picker or drag and drop) or a stored checkpoint.
import type { CheckpointInfo } from '../../protocol.ts';
import { createConfigEditor } from '../config_editor.ts';
import { FIELDS } from '../config_fields.ts';
import type { View } from '../context.ts';
import { formatBytes, h, replace } from '../dom.ts';
import { loadModel } from '../model_loader.ts';

/** localStorage key of the backend chosen in this panel ('' = automatic). */
export const BACKEND_KEY = 'ttpa-backend';
/** localStorage key of the wasm thread count chosen in this panel (absent = the cores available). */
export const THREADS_KEY = 'ttpa-threads';

function createBackendPicker(): HTMLElement {
  const select = h('select', { id: 'backend-choice' },
    ...[['', 'automatic (webgpu on a real GPU, else wasm, then cpu)'], ['webgpu', 'webgpu'], ['wasm', 'wasm'], ['cpu', 'cpu']].map(([v, label]) => h('option', { value: v }, label)));
  // A ?backend= in the address wins over the saved choice (main.ts); show that instead of "automatic".
  const fromUrl = new URLSearchParams(location.search).get('backend');
  const pinned = fromUrl === 'webgpu' || fromUrl === 'wasm' || fromUrl === 'cpu' ? fromUrl : undefined;
  select.value = pinned ?? localStorage.getItem(BACKEND_KEY) ?? '';
  select.disabled = !!pinned;
  select.addEventListener('change', () => {
    if (select.value) localStorage.setItem(BACKEND_KEY, select.value);
    else localStorage.removeItem(BACKEND_KEY);
  });
  const threads = h('input', { id: 'threads-choice', type: 'number', min: '1', max: '64', placeholder: `${navigator.hardwareConcurrency || 1} (cores)` }) as HTMLInputElement;
  threads.value = localStorage.getItem(THREADS_KEY) ?? '';
  threads.addEventListener('change', () => {
    if (threads.value) localStorage.setItem(THREADS_KEY, threads.value);
    else localStorage.removeItem(THREADS_KEY);
  });
  const apply = h('button', { onclick: () => location.reload(), disabled: !!pinned }, 'Apply (reloads)');
  const note = pinned ? h('span', { class: 'muted', 'data-testid': 'backend-pinned' }, `set by the address (?backend=${pinned}); remove it to choose here`) : null;
  return h('div', { class: 'row' }, h('label', { for: 'backend-choice' }, 'Backend: '), select,
    h('label', { for: 'threads-choice' }, ' wasm threads: '), threads, apply, note);
}

export const modelView: View = (ctx) => {
  const { store } = ctx;
  const backendInfo = h('dl', { class: 'facts', 'data-testid': 'backend-report' });
  const modelInfo = h('dl', { class: 'facts', 'data-testid': 'model-report' });
  const message = h('p', { role: 'status', 'data-testid': 'model-message' });
  const run = async (label: string, fn: () => Promise<unknown>): Promise<void> => {
    message.textContent = `${label}…`;
    try {
      await fn();
      message.textContent = `${label}: done.`;
    } catch (err) {
      message.textContent = `${label} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    void refreshCheckpoints();
  };

  const editor = createConfigEditor({ id: 'model', fields: FIELDS.model, resolve: (o) => ctx.engine.api.resolveConfig('model', o), onWorkerRestart: (l) => ctx.engine.onRestart(l) });
  const freshBtn = h('button', { 'data-action': 'fresh-model' }, 'Build fresh model from preset');
  const buildFresh = async (): Promise<void> => {
    const c = editor.value();
    if (!c) return void (message.textContent = 'Fix the model config first.');
    await run(`Building ${String(c.preset)}`, () => loadModel(ctx, {
      kind: 'preset', preset: String(c.preset), seed: Number(c.seed), overrides: c.overrides as Record<string, unknown>,
      tokenizerVocab: Number(c.tokenizerVocab) || undefined,
    }));
  };
  freshBtn.addEventListener('click', () => void buildFresh());
  ctx.stages.model = { configure: (o) => editor.set(o), run: buildFresh };
  const defaultBtn = h('button', { onclick: () => void run('Loading the default model', () => loadModel(ctx, { kind: 'default' })) }, 'Load default model');

  const folderInput = h('input', { type: 'file', id: 'model-folder', webkitdirectory: true, multiple: true });
  const filesInput = h('input', { type: 'file', id: 'model-files', multiple: true, accept: '.json,.safetensors,.jinja' });
  const importFiles = (files: File[], label: string): void => void run(`Importing ${label}`, () => loadModel(ctx, { kind: 'files', files, label }));
  for (const input of [folderInput, filesInput]) {
    input.addEventListener('change', () => {
      const files = [...(input.files ?? [])];
      if (files.length) importFiles(files, (files[0] as File & { webkitRelativePath?: string }).webkitRelativePath?.split('/')[0] || fileLabel(files));
    });
  }
  const drop = h('div', { class: 'drop-zone', tabindex: 0, role: 'button', 'aria-label': 'Drop a model folder here, or press Enter to pick one' }, 'Drop a model folder (config.json, model.safetensors, tokenizer.json) here, or press Enter to pick one');
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      folderInput.click();
    }
  });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void droppedFiles(e.dataTransfer).then(({ files, label }) => (files.length ? importFiles(files, label) : void (message.textContent = 'Nothing to import in the drop.')));
  });

  const checkpoints = h('ul', { class: 'checkpoints', 'data-testid': 'checkpoint-list' });
  const refreshCheckpoints = async (): Promise<void> => {
    let list: CheckpointInfo[] = [];
    try {
      list = await ctx.engine.api.listCheckpoints();
    } catch {
      return;
    }
    replace(checkpoints, ...(list.length ? list.map((c) => h('li', {},
      `${c.id} · ${c.stage} step ${c.step}${c.total ? `/${c.total}` : ''} · ${formatBytes(c.bytes)} · ${new Date(c.createdAt).toLocaleString()} `,
      h('button', { onclick: () => void run(`Loading ${c.id}`, () => loadModel(ctx, { kind: 'checkpoint', id: c.id })) }, 'Load'))) : [h('li', { class: 'muted' }, 'none yet')]));
  };

  let lastTrained = '';
  let shown: unknown[] = [];
  store.subscribe((s) => {
    const key = [s.backend, s.memory, s.model, s.stages.model, s.stages.sft.status, s.stages.dpo.status];
    if (key.every((v, i) => v === shown[i])) return;
    shown = key;
    if (!s.backend) replace(backendInfo, h('dt', {}, 'Backend'), h('dd', {}, 'starting…'));
    else {
      const rows: [string, string][] = [
        ['Backend in use', s.backend.backend],
        ['Adapter', s.backend.adapterInfo ?? '—'],
        ['Threads', `${s.backend.threads}${s.backend.threadsNote ? ` (${s.backend.threadsNote})` : ''}`],
        ...s.backend.skipped.map((k): [string, string] => [`${k.backend} skipped`, k.reason]),
      ];
      if (s.memory) rows.push(['Memory in use', `${s.memory.numTensors} tensors, ${formatBytes(s.memory.numBytes)}${s.memory.gpuBytes !== undefined ? `; GPU buffers ${formatBytes(s.memory.gpuBytes)}` : ''}`]);
      replace(backendInfo, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    }
    const m = s.model;
    const c = m?.config ?? {};
    replace(modelInfo, ...(m ? [
      ['Model', `${m.name} (${m.source})`], ['Parameters', m.nParams.toLocaleString()], ['Vocabulary', String(m.vocabSize)],
      ['Architecture', `${String(c.model_type)}: ${String(c.num_hidden_layers)} layers, width ${String(c.hidden_size)}, ${String(c.num_attention_heads)} heads`],
      ...(m.note ? [['Note', m.note]] : []),
    ] : [['Model', s.stages.model.status === 'running' ? 'loading…' : 'none']]).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    if (s.stages.model.status === 'error' && s.stages.model.error) message.textContent = s.stages.model.error;
    const trained = `${s.model?.name}:${s.model?.note ?? ''}:${s.stages.sft.status}:${s.stages.dpo.status}`;
    if (trained !== lastTrained) {
      lastTrained = trained;
      void refreshCheckpoints();
    }
  });
  void refreshCheckpoints();

  return h('div', { class: 'model-view' },
    h('div', { class: 'cols' }, h('section', {}, h('h3', {}, 'Runtime'), backendInfo, createBackendPicker()), h('section', {}, h('h3', {}, 'Loaded model'), modelInfo)),
    message,
    h('h3', {}, 'Load a model'),
    h('div', { class: 'row' }, defaultBtn),
    editor.el, h('div', { class: 'row' }, freshBtn),
    h('div', { class: 'row' }, h('label', { for: 'model-folder' }, 'Import a model folder: '), folderInput,
      h('label', { for: 'model-files' }, ' or its files: '), filesInput),
    drop,
    h('h3', {}, 'Stored checkpoints'), checkpoints);
};

/** Files of a drop: a folder's direct children (via the entries API) or the plain files dropped. */
async function droppedFiles(dt: DataTransfer | null): Promise<{ files: File[]; label: string }> {
  if (!dt) return { files: [], label: '' };
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  const dir = entries.find((e) => e.isDirectory) as FileSystemDirectoryEntry | undefined;
  if (!dir) return { files: [...dt.files], label: fileLabel([...dt.files]) };
  const children = await new Promise<FileSystemEntry[]>((resolve, reject) => dir.createReader().readEntries(resolve, reject));
  const files = await Promise.all(children.filter((e) => e.isFile)
    .map((e) => new Promise<File>((resolve, reject) => (e as FileSystemFileEntry).file(resolve, reject))));
  return { files, label: dir.name };
}

/** A label for loose files: the one file's name, or the first name and how many more. */
function fileLabel(files: File[]): string {
  return files.length === 1 ? files[0].name : `${files[0]?.name ?? 'files'} and ${files.length - 1} more`;
}
