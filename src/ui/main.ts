// Entry of the page: mounts the app shell with one view per stage, and registers the service worker
// (built app only) that caches the app and the default model for offline use.
import type { BackendName } from '../protocol.ts';
import { mountApp } from './app.ts';
import { BACKEND_KEY, THREADS_KEY } from './views/model_view.ts';
import './styles.css';
import { firstVisit } from './classroom/overview.ts';
import { classroomView } from './views/classroom_view.ts';
import { dataView } from './views/data_view.ts';
import { dpoView } from './views/dpo_view.ts';
import { evalView } from './views/eval_view.ts';
import { exportView } from './views/export_view.ts';
import { modelView } from './views/model_view.ts';
import { pairsView } from './views/pairs_view.ts';
import { sftView } from './views/sft_view.ts';

/** `?backend=wasm` (or a choice saved from the Model panel) pins the backend; default tries webgpu first. */
function backendOrder(): BackendName[] | undefined {
  const pick = new URLSearchParams(location.search).get('backend') ?? localStorage.getItem(BACKEND_KEY);
  return pick === 'webgpu' || pick === 'wasm' || pick === 'cpu' ? [pick] : undefined;
}

/** `?threads=N` (or a count saved from the Model panel) sets the wasm threads; default: the cores available. */
function threads(): number | undefined {
  const n = Number(new URLSearchParams(location.search).get('threads') ?? localStorage.getItem(THREADS_KEY) ?? NaN);
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : undefined;
}

const root = document.getElementById('app');
if (root) {
  void mountApp(root, {
    backendOrder: backendOrder(),
    // A first visit opens on the classroom's overview ("Start here"); later visits on Data.
    threads: threads(),
    initialStage: firstVisit() ? 'classroom' : 'data',
    views: { classroom: classroomView, data: dataView, model: modelView, sft: sftView, pairs: pairsView, dpo: dpoView, evaluate: evalView, export: exportView },
  });
}
/** Registers sw.js when the build emitted one (the dev server answers index.html for it instead). */
async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const res = await fetch('./sw.js', { method: 'HEAD' }).catch(() => undefined);
  if (!res?.ok || !(res.headers.get('content-type') ?? '').includes('javascript')) return;
  await navigator.serviceWorker.register('./sw.js');
  reloadOnceIsolated();
}

/**
 * A host that sends no COOP/COEP headers serves a page that is not cross-origin isolated (wasm then runs
 * one thread); sw.js adds them, so once it controls the page one reload makes it isolated. Once only.
 */
function reloadOnceIsolated(): void {
  const KEY = 'ttpa-isolation-reload';
  if (globalThis.crossOriginIsolated || sessionStorage.getItem(KEY)) return;
  const reload = (): void => { sessionStorage.setItem(KEY, '1'); location.reload(); };
  if (navigator.serviceWorker.controller) reload();
  else navigator.serviceWorker.addEventListener('controllerchange', reload, { once: true });
}
window.addEventListener('load', () => void registerServiceWorker().catch(() => undefined));
