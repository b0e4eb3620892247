// The header's status line: backend actually in use (and why WebGPU was skipped), adapter, tfjs memory, model.
// Only the backend and model are a live region: memory changes every few seconds and is not announced.
import { formatBytes, h, replace } from './dom.ts';
import type { Store } from './state.ts';

export function createStatusLine(store: Store): HTMLElement {
  const backend = h('span', { class: 'backend', 'data-testid': 'backend', title: '' }, 'starting…');
  const note = h('span', { class: 'backend-note', 'data-testid': 'backend-note' });
  const memory = h('span', { class: 'memory', 'data-testid': 'memory' });
  const model = h('span', { class: 'model-name', 'data-testid': 'model-name' });
  let shown = '';
  store.subscribe((s) => {
    if (s.backend) {
      if (backend.textContent !== s.backend.backend) backend.textContent = s.backend.backend;
      backend.dataset.backend = s.backend.backend;
      const why = s.backend.skipped.map((k) => `${k.backend} skipped: ${k.reason}`);
      backend.title = [s.backend.adapterInfo ? `adapter: ${s.backend.adapterInfo}` : '', ...why].filter(Boolean).join('\n');
      const gpu = s.backend.skipped.find((k) => k.backend === 'webgpu');
      const text = gpu && s.backend.backend !== 'webgpu' ? `(webgpu skipped: ${gpu.reason.split(/[;,(]/)[0].trim()})` : '';
      if (note.textContent !== text) note.textContent = text;
    }
    if (s.memory) {
      const gpu = s.memory.gpuBytes !== undefined ? `, GPU ${formatBytes(s.memory.gpuBytes)}` : '';
      const text = `${s.memory.numTensors} tensors, ${formatBytes(s.memory.numBytes)}${gpu}`;
      if (memory.textContent !== text) replace(memory, text);
    }
    const name = s.model ? `model: ${s.model.name}` : 'no model';
    if (name !== shown) {
      shown = name;
      replace(model, name);
    }
  });
  return h('div', { class: 'status-line' },
    h('span', { role: 'status', class: 'status-live' }, h('span', {}, 'backend: '), backend, ' ', note, ' ', model),
    memory);
}
