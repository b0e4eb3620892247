// Entry of the page: mounts the app shell with one view per stage, and registers the service worker
// (production builds) that caches the app and the default model for offline use.
import { mountApp } from './app.ts';
import './styles.css';
import { dataView } from './views/data_view.ts';
import { dpoView } from './views/dpo_view.ts';
import { evalView } from './views/eval_view.ts';
import { exportView } from './views/export_view.ts';
import { modelView } from './views/model_view.ts';
import { pairsView } from './views/pairs_view.ts';
import { sftView } from './views/sft_view.ts';

const root = document.getElementById('app');
if (root) {
  void mountApp(root, {
    views: { data: dataView, model: modelView, sft: sftView, pairs: pairsView, dpo: dpoView, evaluate: evalView, export: exportView },
  });
}
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => void navigator.serviceWorker.register('./sw.js').catch(() => undefined));
}
