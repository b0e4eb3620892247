// Model panel: the backend in use (and why others were skipped), adapter, memory, the loaded model.
import type { View } from '../context.ts';
import { formatBytes, h, replace } from '../dom.ts';

export const modelView: View = (ctx) => {
  const backendInfo = h('dl', { class: 'facts', 'data-testid': 'backend-report' });
  ctx.store.subscribe((s) => {
    if (!s.backend) return replace(backendInfo, h('dt', {}, 'Backend'), h('dd', {}, 'starting…'));
    const rows: [string, string][] = [
      ['Backend', s.backend.backend],
      ['Adapter', s.backend.adapterInfo ?? '—'],
      ...s.backend.skipped.map((k): [string, string] => [`${k.backend} skipped`, k.reason]),
    ];
    if (s.memory) rows.push(['Memory', `${s.memory.numTensors} tensors, ${formatBytes(s.memory.numBytes)}`]);
    replace(backendInfo, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  });
  return h('div', { class: 'model-view' }, backendInfo);
};
