// DPO panel: preference training on the built pairs, with live loss, rewards (chosen, rejected, margins),
// accuracies, KL and learning-rate charts (TRL's metric names).
import type { View } from '../context.ts';
import { createTrainView } from './train_view.ts';

export const dpoView: View = (ctx) => createTrainView(ctx, {
  stage: 'dpo',
  startLabel: 'Start DPO',
  intro: 'DPO on the token-level pairs; the model at the start is the reference. Chosen and rejected share the prefix up to the divergent token.',
  // Nothing over the engine's defaults, which are the demo preset's tuned settings (workers/stage_config.ts).
  initial: {},
  charts: [
    { title: 'Loss', series: [{ key: 'loss' }] },
    { title: 'Rewards', series: [{ key: 'rewards/chosen', label: 'chosen' }, { key: 'rewards/rejected', label: 'rejected' }, { key: 'rewards/margins', label: 'margins' }] },
    { title: 'Accuracies', series: [{ key: 'rewards/accuracies', label: 'accuracy' }] },
    { title: 'KL', series: [{ key: 'kl' }] },
    { title: 'Learning rate', series: [{ key: 'learning_rate', label: 'learning rate' }] },
  ],
  blocked: (s) => (!s.pairs?.pairs.length ? 'build preference pairs first'
    : s.stages.pairs.status === 'stale' ? 'the pairs are from an older dataset or model: build them again'
    : !s.model ? 'load a model first' : undefined),
  train: (ctx, run, onProgress) => ctx.engine.api.runDpo({ ...run, pairs: ctx.store.state.pairs!.pairs }, onProgress),
});
