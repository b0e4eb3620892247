// Glue shared by the SFT and DPO jobs: trainer hooks that report progress, honour pause/stop and
// store checkpoints, and reading a stored checkpoint back as the trainer's resume state.
import { OPTIMIZER_FILE } from '../src/core/train/optimizer_state.ts';
import { TRAINER_STATE_FILE, type ResumeFrom, type TrainerState, type TrainHooks } from '../src/core/train/trainer.ts';
import type { CheckpointInfo, StageName } from '../src/protocol.ts';
import type { CheckpointStore } from './checkpoint_store.ts';
import type { Job } from './job.ts';

export interface RunIdentity {
  runId: string;
  stage: StageName;
  total: number;
  modelName: string;
}

/** shouldStop and saveCheckpoint for the trainer; onStep is the caller's (metric names differ). */
export function trainerHooks(job: Job, store: CheckpointStore, run: RunIdentity, saved: CheckpointInfo[]): Omit<TrainHooks, 'onStep'> {
  return {
    shouldStop: () => job.shouldStop(),
    async saveCheckpoint(name, files) {
      const step = Number(/(\d+)$/.exec(name)?.[1] ?? 0);
      const info: CheckpointInfo = {
        id: `${run.runId}-${name}`, stage: run.stage, step, total: run.total, runId: run.runId,
        createdAt: Date.now(), bytes: Object.values(files).reduce((s, f) => s + f.byteLength, 0), modelName: run.modelName,
      };
      job.report(step, {}, `saving ${name}`);
      await store.put(info, files);
      // Keep only the newest checkpoint of a run: older ones are superseded.
      for (const old of saved.splice(0)) await store.delete(old.id);
      saved.push(info);
      return info.id;
    },
  };
}

/** The trainer state and optimizer moments stored with a checkpoint, to continue the run exactly. */
export function resumeState(files: Record<string, Uint8Array>): ResumeFrom {
  const state = files[TRAINER_STATE_FILE];
  const optimizer = files[OPTIMIZER_FILE];
  if (!state || !optimizer) throw new Error(`the checkpoint has no ${TRAINER_STATE_FILE} / ${OPTIMIZER_FILE}; it cannot resume a run`);
  return { state: JSON.parse(new TextDecoder().decode(state)) as TrainerState, optimizer };
}
