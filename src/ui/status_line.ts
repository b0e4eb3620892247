// The header's status line: backend actually in use (with fallbacks), adapter, tfjs memory, model.
import { formatBytes, h, replace } from './dom.ts';
import type { Store } from './state.ts';

export function createStatusLine(store: Store): HTMLElement {
  const backend = h('span', { class: 'backend', 'data-testid': 'backend', title: '' }, 'starting…');
  const memory = h('span', { class: 'memory', 'data-testid': 'memory' });
  const model = h('span', { class: 'model-name', 'data-testid': 'model-name' });
  store.subscribe((s) => {
    if (s.backend) {
      backend.textContent = s.backend.backend;
      backend.dataset.backend = s.backend.backend;
      const why = s.backend.skipped.map((k) => `${k.backend} skipped: ${k.reason}`);
      backend.title = [s.backend.adapterInfo ? `adapter: ${s.backend.adapterInfo}` : '', ...why].filter(Boolean).join('\n');
    }
    if (s.memory) {
      const gpu = s.memory.gpuBytes !== undefined ? `, GPU ${formatBytes(s.memory.gpuBytes)}` : '';
      replace(memory, `${s.memory.numTensors} tensors, ${formatBytes(s.memory.numBytes)}${gpu}`);
    }
    replace(model, s.model ? `model: ${s.model.name}` : 'no model');
  });
  return h('div', { class: 'status-line', role: 'status' }, h('span', {}, 'backend: '), backend, memory, model);
}
