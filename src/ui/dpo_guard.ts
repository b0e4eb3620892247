// Guards a DPO run against running away: a KL to the reference far above what the tuned demo run reaches,
// or a jump in refusals (no_call) after DPO, raises a banner that offers to roll back to the pre-DPO model.
// It only reads numbers the run and Evaluate produced; it never changes a run's settings.
import type { EvalReport, MetricPoint } from '../protocol.ts';
import type { AppContext } from './context.ts';
import { loadModel } from './model_loader.ts';

/**
 * Per-token KL (k3 estimate, nats) to the reference, as the median of the last KL_WINDOW steps, above which a run
 * has left the reference behind. The tuned settings stay under 0.2 on average over a run, with single-batch
 * spikes up to ~2.3 (classroom preset in the app) and 516 (one batch of the CLI demo loop, on the rejected
 * side); lr 1e-3 reached ~960 and made the shipped model refuse. The core guard (core/train/guard.ts) uses the
 * same window and statistic with a stop limit of 10.
 */
export const KL_LIMIT = 2;
/** Steps whose median is taken, so one unusual batch does not raise the alarm. */
export const KL_WINDOW = 5;
/** A rise of the no_call rate by more than this share of turns after DPO counts as learning to refuse. */
export const NO_CALL_RISE = 0.1;

/** Why the run's KL ran away (its trailing median passed KL_LIMIT), or undefined. */
export function klRunaway(points: MetricPoint[]): string | undefined {
  const kl = points.filter((p) => Number.isFinite(p.kl));
  let worst: { step: number; median: number } | undefined;
  for (let i = 0; i < kl.length; i++) {
    const window = kl.slice(Math.max(0, i - KL_WINDOW + 1), i + 1).map((p) => p.kl).sort((a, b) => a - b);
    const median = window[(window.length - 1) >> 1];
    if (!worst || median > worst.median) worst = { step: kl[i].step, median };
  }
  if (!worst || worst.median <= KL_LIMIT) return undefined;
  return `KL to the reference was ${worst.median.toPrecision(3)} nats per token (median of the ${KL_WINDOW} steps to step ${worst.step}; the tuned settings stay under 0.2 on average; over ${KL_LIMIT} the model has drifted far from where it started)`;
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
