// SFT panel: supervised fine-tuning of the loaded model on the train split, with live loss/lr/grad-norm charts.
import type { View } from '../context.ts';
import { createTrainView } from './train_view.ts';

export const sftView: View = (ctx) => createTrainView(ctx, {
  stage: 'sft',
  startLabel: 'Start SFT',
  intro: 'Supervised fine-tuning on the train split: next-token loss on the assistant turns (tool calls and answers).',
  initial: { steps: 40, batchSize: 4, warmupSteps: 4, lr: 3e-3, seqLen: 384, checkpointEvery: 10 },
  charts: [
    { title: 'Loss', series: [{ key: 'loss' }] },
    { title: 'Learning rate', series: [{ key: 'lr', label: 'learning rate' }] },
    { title: 'Gradient norm', series: [{ key: 'grad_norm', label: 'grad norm' }] },
  ],
  blocked: (s) => (!s.dataset ? 'generate or import a dataset first' : !s.model ? 'load a model first' : undefined),
  train: (ctx, run, onProgress) => {
    const d = ctx.store.state.dataset!;
    const train = new Set(d.splits.train);
    const samples = d.samples.filter((x) => train.has(x.id));
    return ctx.engine.api.runSft({ ...run, samples }, onProgress);
  },
});
