// The DPO stage in the engine: core's DPO job (reference log-probs from the starting model, full or
// LoRA training) on the session's model, with TRL-named metrics as progress and stored checkpoints.
import { disposeModel } from '../src/core/model/params.ts';
import { loadCheckpoint } from '../src/core/runtime/checkpoint.ts';
import { memorySource } from '../src/core/runtime/file_source.ts';
import { pairToTrl } from '../src/core/preference/trl_export.ts';
import { pairFilterNote } from '../src/core/preference/pair_filter.ts';
import { ADAPTER_FILE } from '../src/core/train/lora.ts';
import type { DpoConfig } from '../src/core/train/dpo_config.ts';
import { runDpoJob, type DpoJobResume } from '../src/core/train/dpo_run.ts';
import type { DpoStepMetrics } from '../src/core/train/dpo.ts';
import { checkpointFiles } from '../src/core/runtime/checkpoint.ts';
import type { CheckpointInfo, DpoRequest, TrainResultSummary } from '../src/protocol.ts';
import type { CheckpointStore } from './checkpoint_store.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';
import { splitDpoConfig } from './stage_config.ts';
import { resumeState, trainerHooks, type RunReplicas } from './train_run.ts';

/** The DPO metrics the page charts, by TRL's names; 'nll/anchor' only in runs with an SFT anchor. */
export const DPO_METRICS = ['loss', 'rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies', 'kl', 'kl/chosen', 'nll/anchor', 'learning_rate', 'grad_norm'] as const;

/** A step's charted metrics (those it has). */
export const dpoPoint = (m: DpoStepMetrics): Record<string, number> =>
  Object.fromEntries(DPO_METRICS.flatMap((k) => (m[k] === undefined ? [] : [[k, m[k]]])));

export async function dpoJob(session: Session, request: DpoRequest, job: Job, store: CheckpointStore, replicasFor: (count: number) => RunReplicas): Promise<TrainResultSummary> {
  const split = splitDpoConfig(request.config);
  const config: DpoConfig = split.dpo;
  const replicas = replicasFor(split.replicas);
  job.setTotal(config.steps);
  const resume = request.resumeFrom ? await readResume(request.resumeFrom, store) : undefined;
  const saved: CheckpointInfo[] = [];
  // The run's checkpoints hold DPO'd weights, so they (and the session after the run) are named as such.
  const trainedName = session.info.name.endsWith(' + DPO') ? session.info.name : `${session.info.name} + DPO`;
  const run = { runId: request.runId, stage: 'dpo' as const, total: config.steps, modelName: trainedName };
  const result = await runDpoJob({
    model: session.model,
    tokenizer: session.tokenizer,
    records: request.pairs.map(pairToTrl),
    config,
    anchor: request.anchor,
    resume,
    startReplicas: replicas.start,
    modelFiles: (m) => checkpointFiles(m, session.tokenizer, { 'ttpa_run.json': { runId: request.runId, stage: 'dpo', config } }),
    hooks: {
      ...trainerHooks(job, store, run, saved),
      // The app lets a runaway-KL run finish, then warns and offers a rollback (src/ui/dpo_guard.ts).
      guard: { maxKl: Infinity },
      onReference: (done, total) => job.report(0, {}, `reference log-probs ${done}/${total}`),
      onStep: (m) => job.report(m.step, dpoPoint(m)),
    },
  });
  if (result.model !== session.model) {
    disposeModel(session.model);
    session.model = result.model;
  }
  if (result.result.state.step > 0) session.info = { ...session.info, name: trainedName };
  job.flush();
  return {
    outcome: result.result.stopped ? 'stopped' : 'done',
    step: result.result.state.step,
    total: config.steps,
    losses: result.result.losses,
    checkpointId: saved[saved.length - 1]?.id,
    config: { replicas: split.replicas, ...config },
    notes: [(config.pairFilter === 'all' ? '' : `${pairFilterNote(config.pairFilter, result.encoded.filtered.kept, result.encoded.filtered.of)}; `) + `${result.encoded.pairs} pairs used` + (result.encoded.truncated ? `, ${result.encoded.truncated} truncated` : '') +
      (result.encoded.dropped ? `, ${result.encoded.dropped} dropped` : '') + (result.encoded.anchor ? `; SFT anchor: ${result.encoded.anchor} ground-truth sample${result.encoded.anchor === 1 ? '' : 's'}` : ''), ...[replicas.note()].filter((n) => n !== undefined)],
  };
}

/** Trainer state, optimizer, and the checkpoint's weights (full) or adapters (LoRA). */
async function readResume(id: string, store: CheckpointStore): Promise<DpoJobResume> {
  const files = await store.get(id);
  const resume: DpoJobResume = resumeState(files);
  if (files[ADAPTER_FILE]) return { ...resume, adapter: files[ADAPTER_FILE] };
  const ckpt = await loadCheckpoint(memorySource(id, files));
  resume.weights = Object.fromEntries(Object.entries(ckpt.model.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
  disposeModel(ckpt.model);
  return resume;
}
