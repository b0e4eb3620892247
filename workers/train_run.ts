// Glue shared by the SFT and DPO jobs: trainer hooks that report progress, honour pause/stop and
// store checkpoints, reading a stored checkpoint back as the trainer's resume state, and a run's data-parallel replicas.
import { OPTIMIZER_FILE } from '../src/core/train/optimizer_state.ts';
import { TRAINER_STATE_FILE, type ResumeFrom, type TrainerState, type TrainHooks } from '../src/core/train/trainer.ts';
import type { BackendName } from '../src/core/runtime/backend.ts';
import type { ReplicaSpec, StartReplicas } from '../src/core/train/replica.ts';
import type { ReplicaPool } from '../src/core/train/replica_channels.ts';
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

/** Starts a run's data-parallel replica workers (the engine's host: Web Workers in the browser, worker threads in tests). */
export type StartReplicaWorkers = (spec: ReplicaSpec, options: { workers: number; backend: BackendName; localShare: boolean }) => Promise<ReplicaPool>;

/** A run's data-parallel replicas: how to start them (none for 1) and the line its summary reports. */
export interface RunReplicas {
  start?: StartReplicas;
  /** What trained the run, for TrainResultSummary.notes; undefined with 1 replica. */
  note(): string | undefined;
}

/**
 * `count` replicas in workers that compute every share while the engine combines their gradients and applies the
 * update (Replicas.localShare false, as the CLI pipeline's), so the engine's own wasm threads do not compete with them.
 */
export function runReplicas(count: number, host: StartReplicaWorkers | undefined, backend: BackendName): RunReplicas {
  if (count === 1) return { note: () => undefined };
  if (!host) throw new Error(`${count} data-parallel replicas need worker support, which this engine was started without`);
  let description = '';
  return {
    start: async (spec) => {
      const pool = await host(spec, { workers: count, backend, localShare: false });
      description = pool.description;
      return pool;
    },
    note: () => `${count} data-parallel replicas (${description}); the engine worker summed their gradients and applied each update`,
  };
}
