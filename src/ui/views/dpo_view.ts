// DPO panel: preference training on the built pairs, with live loss, rewards (chosen, rejected, margins),
// accuracies, KL, the SFT anchor's NLL and learning-rate charts (TRL's metric names); with rounds > 1, on-policy
// rounds and their results.
import type { DpoRoundResult, DpoRoundsInput, Sample } from '../../protocol.ts';
import type { AppContext, View } from '../context.ts';
import type { AppState } from '../state.ts';
import { callback } from '../workers.ts';
import { createRoundsPanel } from './dpo_rounds.ts';
import { createTrainView } from './train_view.ts';
import { KL_WINDOW } from '../dpo_guard.ts';

export const dpoView: View = (ctx) => {
  const rounds = createRoundsPanel();
  return createTrainView(ctx, {
    stage: 'dpo',
    startLabel: 'Start DPO',
    intro: 'DPO on the token-level pairs; the model at the start is the reference. Chosen and rejected share the prefix up to the divergent token. With more than one round, each later round builds new pairs with the updated model and uses it as the new reference.',
    // Nothing over the engine's defaults, which are the demo preset's tuned settings (workers/stage_config.ts).
    initial: {},
    charts: [
      { title: 'Loss', series: [{ key: 'loss' }] },
      { title: 'Rewards', series: [{ key: 'rewards/chosen', label: 'chosen' }, { key: 'rewards/rejected', label: 'rejected' }, { key: 'rewards/margins', label: 'margins' }] },
      { title: 'Accuracies', series: [{ key: 'rewards/accuracies', label: 'accuracy' }] },
      // One k3 step can read thousands where most read 0.1: drawn as the guard reads it, the median of KL_WINDOW steps.
      { title: `KL (median of ${KL_WINDOW} steps, log scale)`, series: [{ key: 'kl', label: 'both sides' }, { key: 'kl/chosen', label: 'chosen side (guarded)' }], median: KL_WINDOW, logY: true, id: 'kl' },
      { title: 'Anchor NLL', series: [{ key: 'nll/anchor', label: 'anchor NLL' }], optional: true },
      { title: 'Learning rate', series: [{ key: 'learning_rate', label: 'learning rate' }] },
    ],
    extra: { el: rounds.el, show: (run) => rounds.show(run?.rounds) },
    blocked: (s) => (!s.pairs?.pairs.length ? 'build preference pairs first'
      : s.stages.pairs.status === 'stale' ? 'the pairs are from an older dataset or model: build them again'
      : !s.model ? 'load a model first' : undefined),
    train: (ctx, run, onProgress) => ctx.engine.api.runDpo(
      {
        ...run, pairs: ctx.store.state.pairs!.pairs,
        rounds: Number(run.config.rounds) > 1 ? roundsInput(ctx.store.state) : undefined,
        anchor: Number(run.config.anchorWeight) > 0 ? pairsSamples(ctx.store.state) : undefined,
      },
      onProgress, callback((r: DpoRoundResult) => addRound(ctx, r))),
  });
};

/** The samples the Pairs stage built its pairs from, with their ground truth: the SFT anchor (dpo.anchorWeight > 0). */
function pairsSamples(s: AppState): Sample[] {
  const used = new Set(s.pairs!.details.map((x) => x.sampleId));
  return (s.dataset?.samples ?? []).filter((x) => used.has(x.id)); // none: the engine's error says the anchor has no samples
}

/** Where later rounds draw from: the train split minus what the Pairs stage decoded, the validation split, the Pairs settings. */
function roundsInput(s: AppState): DpoRoundsInput {
  const d = s.dataset!;
  const of = (ids: string[]): typeof d.samples => {
    const keep = new Set(ids);
    return d.samples.filter((x) => keep.has(x.id));
  };
  return { train: of(d.splits.train), val: of(d.splits.val), usedSampleIds: s.pairs!.details.map((x) => x.sampleId), pairsConfig: s.pairs!.config };
}

function addRound(ctx: AppContext, round: DpoRoundResult): void {
  const run = ctx.store.state.dpo;
  if (run) ctx.store.update({ dpo: { ...run, rounds: [...(run.rounds ?? []), round] } });
}
