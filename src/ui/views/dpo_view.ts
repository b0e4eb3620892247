// DPO panel: preference training on the built pairs, with live loss, rewards (chosen, rejected, margins),
// accuracies, KL and learning-rate charts (TRL's metric names).
import type { View } from '../context.ts';
import { createTrainView } from './train_view.ts';

export const dpoView: View = (ctx) => createTrainView(ctx, {
  stage: 'dpo',
  startLabel: 'Start DPO',
  intro: 'DPO on the token-level pairs; the model at the start is the reference. Chosen and rejected share the prefix up to the divergent token.',
  initial: { steps: 20, batchSize: 4, warmupSteps: 2, lr: 1e-3, seqLen: 384, checkpointEvery: 10 },
  charts: [
    { title: 'Loss', series: [{ key: 'loss' }] },
    { title: 'Rewards', series: [{ key: 'rewards/chosen', label: 'chosen' }, { key: 'rewards/rejected', label: 'rejected' }, { key: 'rewards/margins', label: 'margins' }] },
    { title: 'Accuracies', series: [{ key: 'rewards/accuracies', label: 'accuracy' }] },
    { title: 'KL', series: [{ key: 'kl' }] },
    { title: 'Learning rate', series: [{ key: 'learning_rate', label: 'learning rate' }] },
  ],
  blocked: (s) => (!s.pairs?.pairs.length ? 'build preference pairs first' : !s.model ? 'load a model first' : undefined),
  train: (ctx, run, onProgress) => ctx.engine.api.runDpo({ ...run, pairs: ctx.store.state.pairs!.pairs }, onProgress),
});
