// Entry of the page: mounts the app shell with one view per stage.
import { mountApp } from './app.ts';
import './styles.css';
import { modelView } from './views/model_view.ts';

const root = document.getElementById('app');
if (root) mountApp(root, { views: { model: modelView } });
