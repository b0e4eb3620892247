// Guards a DPO run against running away: a KL to the reference on the chosen completions far above what the
// tuned classroom run reaches,
// or a jump in refusals (no_call) after DPO, raises a banner that offers to roll back to the pre-DPO model.
// It only reads numbers the run and Evaluate produced; it never changes a run's settings.
import type { EvalReport, MetricPoint } from '../protocol.ts';
import type { AppContext } from './context.ts';
import { loadModel } from './model_loader.ts';
import { trailingMedian } from './trailing_median.ts';

/**
 * Per-token KL (k3 estimate, nats) to the reference on the chosen tokens (`kl/chosen`), as the median of the last
 * KL_WINDOW steps, above which the run makes the right completions far less likely than the model it started from.
 * The classroom preset in the app (phase-8 default) stays under 0.11 at every step (5-step median at most 0.055);
 * `ttpa pipeline --preset classroom`'s token pairs (seed 1) at lr 1e-3, ten times the tuned rate, pass 1 at step 12
 * (medians up to 5.3); at lr 1e-2 (batch 2) step 2 reads 24,791. The rejected side is left out: DPO pushes it down on purpose, and the both-sides `kl` of the tuned
 * classroom run read 7.1 as a 5-step median (41 at one step) while it learned. The core guard
 * (core/train/guard.ts) watches the same statistic and window with a stop limit of 10.
 */
export const KL_LIMIT = 1;
/** Steps whose median is taken, so one unusual batch does not raise the alarm. */
export const KL_WINDOW = 5;
/** A rise of the no_call rate by more than this share of turns after DPO counts as learning to refuse. */
export const NO_CALL_RISE = 0.1;

/**
 * Why the run's KL on the chosen side ran away (its trailing median passed KL_LIMIT), or undefined. Points without
 * `kl/chosen` (runs saved before it was logged) are not judged.
 */
export function klRunaway(points: MetricPoint[]): string | undefined {
  let worst: { step: number; median: number } | undefined;
  for (const p of trailingMedian(points, 'kl/chosen', KL_WINDOW)) {
    if (!worst || p['kl/chosen'] > worst.median) worst = { step: p.step, median: p['kl/chosen'] };
  }
  if (!worst || worst.median <= KL_LIMIT) return undefined;
  return `KL to the reference on the chosen (right) completions was ${worst.median.toPrecision(3)} nats per token (median of the ${KL_WINDOW} steps to step ${worst.step}; the tuned classroom run stays under 0.1; over ${KL_LIMIT} the model makes the right answers far less likely than it did)`;
}

/** Why the refusal rate ran away between two evaluations, or undefined. */
export function refusalRunaway(before: EvalReport, after: EvalReport): string | undefined {
  const a = before.overall.errorRates.no_call ?? 0;
  const b = after.overall.errorRates.no_call ?? 0;
  if (b - a <= NO_CALL_RISE) return undefined;
  return `after DPO the model answers without the tool call it owes on ${(100 * b).toFixed(1)}% of turns (before: ${(100 * a).toFixed(1)}%): it has learned to refuse`;
}

/** Raises the banner with a rollback to the model the DPO run started from. */
export function offerRollback(ctx: AppContext, why: string): void {
  const start = ctx.store.state.dpo?.startSource;
  ctx.store.update({
    alert: {
      text: `This DPO run ran away: ${why}. Lower the learning rate (the tuned default is 1e-4) or the steps and train again.`,
      actions: start ? [{ label: 'Roll back to the pre-DPO model', run: () => void rollback(ctx) }] : [],
    },
  });
}

/** Loads the DPO run's starting model again and marks the run and its evaluation as undone. */
export async function rollback(ctx: AppContext): Promise<void> {
  const { store } = ctx;
  const run = store.state.dpo;
  if (!run?.startSource) return;
  try {
    await loadModel(ctx, run.startSource, { record: false });
  } catch (err) {
    store.update({ alert: { text: `Rollback failed: ${err instanceof Error ? err.message : String(err)}` } });
    return;
  }
  store.update({ dpo: { ...run, rolledBack: true }, evaluation: undefined });
  store.setStage('dpo', { status: 'stopped', error: 'rolled back to the pre-DPO model' });
  store.setStage('evaluate', { status: 'idle', error: undefined, progress: undefined });
  store.record({ stage: 'dpo', runId: run.runId, outcome: 'rolled back', detail: 'the model is the pre-DPO model again' });
  store.update({ alert: { text: 'Rolled back: the model is the one the DPO run started from.' } });
}
