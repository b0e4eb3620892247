// Checkpoints inside a long training stage, so a run stopped mid-stage (a session's end, a killed process, a crash)
// continues from its last checkpoint instead of the stage's first step, bit for bit (trainer.ts's exact resume).
// They live beside the stage's folder, in <dir>.checkpoints/<stage hash>/: one checkpoint-<step>/ folder (model or
// adapter files, optimizer state, the metrics so far, trainer_state.json written last) and latest.json naming it,
// written after it; the one before is removed only then, so a stop at any moment leaves a complete checkpoint
// named. Outside <dir>, they are never recorded as the stage's outputs; the folder goes when the stage finishes.
import { loadCheckpoint } from '../runtime/checkpoint.ts';
import { disposeModel, weightsOf } from '../model/params.ts';
import { ADAPTER_FILE } from '../train/lora.ts';
import { OPTIMIZER_FILE } from '../train/optimizer_state.ts';
import { TRAINER_STATE_FILE, type ResumeFrom, type TrainerState } from '../train/trainer.ts';
import type { StageEvents } from './stage.ts';
import type { RunStore } from './store.ts';

const LATEST = 'latest.json';
const METRICS = 'metrics.jsonl';

/** Where a stage resumes: the trainer's state and, for the caller to restore, full weights or a LoRA adapter. */
export interface StageResume extends ResumeFrom {
  weights?: Record<string, Float32Array>;
  adapter?: Uint8Array;
  /** The metrics of the steps before the checkpoint, one per step. */
  metrics: unknown[];
}

export interface StageCheckpoints {
  /** The newest complete checkpoint of this stage (same hash), or undefined to start at step 0. */
  resume?: StageResume;
  /** TrainHooks.saveCheckpoint: stores the trainer's files with the metrics so far. */
  saveCheckpoint(name: string, files: Record<string, Uint8Array>): Promise<string>;
  /** Removes the stage's checkpoints (call once its outputs are written). */
  finish(): Promise<void>;
}

/** The folder of a stage's checkpoints (per stage hash, so a changed config never resumes a stale run). */
export const checkpointsDir = (dir: string, hash: string): string => `${dir}.checkpoints/${hash}`;

/**
 * Checkpoints of stage `dir` (hash `hash`) in `store`; `metrics()` gives the metrics recorded so far (saved with
 * each checkpoint). A checkpoint that cannot be read is reported through events.log and the stage starts over.
 */
export async function stageCheckpoints(store: RunStore, dir: string, hash: string, metrics: () => unknown[], events: StageEvents): Promise<StageCheckpoints> {
  const base = checkpointsDir(dir, hash);
  let current: string | undefined;
  let resume: StageResume | undefined;
  if (store.has(`${base}/${LATEST}`)) {
    try {
      const { name } = JSON.parse(await store.readText(`${base}/${LATEST}`)) as { name: string };
      resume = await readCheckpoint(store, `${base}/${name}`);
      current = name;
      events.log?.(`${dir}: resuming from ${base}/${name} (step ${resume.state.step})`);
    } catch (err) {
      events.log?.(`${dir}: checkpoint in ${base} unreadable (${err instanceof Error ? err.message : String(err)}); starting the stage over`);
    }
  }
  return {
    resume,
    async saveCheckpoint(name, files) {
      const { [TRAINER_STATE_FILE]: state, ...rest } = files;
      await store.writeFiles(`${base}/${name}`, { ...rest, [METRICS]: metrics().map((m) => JSON.stringify(m) + '\n').join(''), [TRAINER_STATE_FILE]: state });
      await store.writeFiles(base, { [LATEST]: JSON.stringify({ name }) + '\n' });
      if (current && current !== name) await store.remove?.(`${base}/${current}`);
      current = name;
      return `${base}/${name}`;
    },
    async finish() {
      await store.remove?.(`${dir}.checkpoints`);
    },
  };
}

async function readCheckpoint(store: RunStore, folder: string): Promise<StageResume> {
  const src = store.source(folder);
  for (const f of [TRAINER_STATE_FILE, OPTIMIZER_FILE, METRICS]) if (!src.has(f)) throw new Error(`${folder}: no ${f}`);
  const state = JSON.parse(await src.readText(TRAINER_STATE_FILE)) as TrainerState;
  const metrics = (await src.readText(METRICS)).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown);
  if (metrics.length !== state.step) throw new Error(`${folder}: ${metrics.length} metrics lines for step ${state.step}`);
  const common = { state, optimizer: await src.read(OPTIMIZER_FILE), checkpoint: folder, metrics };
  if (src.has(ADAPTER_FILE)) return { ...common, adapter: await src.read(ADAPTER_FILE) };
  const { model } = await loadCheckpoint(src);
  try {
    return { ...common, weights: weightsOf(model) };
  } finally {
    disposeModel(model);
  }
}
