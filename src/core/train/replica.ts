// A data-parallel replica of an SFT or full-weight DPO run: what a remote runtime (a worker thread) needs to
// rebuild the task as plain data (ReplicaSpec), the replica built from it, and in-process replicas for tests.
// The workers are the host's (src/cli/replica_pool.ts, workers/replica_pool.ts); nothing here posts messages.
import type { ModelConfig } from '../model/config.ts';
import { disposeModel, expectedParamShapes, type Model, type Params } from '../model/params.ts';
import { tf } from '../runtime/tf.ts';
import type { SftConfig } from './config.ts';
import { checkReplicaCount, computeShare, type GroupStats, type Replicas, type ShareGradients } from './data_parallel.ts';
import { dpoTask } from './dpo.ts';
import type { DpoConfig } from './dpo_config.ts';
import type { EncodedPair } from './dpo_data.ts';
import type { TrainTask } from './trainer.ts';
import { computeReferenceLogps, type PairReference } from './reference.ts';
import { modelPolicy } from './policy.ts';
import type { EncodedSample } from './sft_data.ts';
import { sftTask } from './sft.ts';

/** Everything a replica of an SFT run is built from; plain data (structured-clonable), sent once. */
export interface SftReplicaSpec {
  kind: 'sft';
  modelConfig: ModelConfig;
  /** Every parameter at the start, by name (the trainable ones are sent again before each step). */
  weights: Record<string, Float32Array>;
  data: EncodedSample[];
  padTokenId: number;
  config: SftConfig;
}

/** A full-weight DPO run's replica: the pairs, with their reference log-probs or given them later (setReferences). */
export interface DpoReplicaSpec {
  kind: 'dpo';
  modelConfig: ModelConfig;
  weights: Record<string, Float32Array>;
  data: EncodedPair[];
  padTokenId: number;
  config: DpoConfig;
  /** Recompute each layer in the backward pass, as the main runtime's memory plan decided. */
  checkpointing: boolean;
}

export type ReplicaSpec = SftReplicaSpec | DpoReplicaSpec;

/** Starts remote replicas of a spec (the host's: worker threads in Node); `close` stops them. */
export type StartReplicas = (spec: ReplicaSpec) => Promise<Replicas & { close(): Promise<void> }>;

/** A host's data-parallel setting for jobs of many training stages (the pipeline). */
export interface ReplicaHost {
  /** Replicas that compute shares (> 1), this runtime included when the started replicas' localShare is true. */
  replicas: number;
  start: StartReplicas;
}

/**
 * The host's replicas for one training stage where they apply, else undefined with the reason logged (the stage
 * then trains in this runtime alone): full weights only, and a count the stage's batches can be shared by.
 */
export function replicasWhereTheyApply(host: ReplicaHost | undefined, stage: string, cfg: { batchSize: number; gradAccumSteps: number; adapter?: string; anchorWeight?: number }, splittable: boolean, log?: (line: string) => void): StartReplicas | undefined {
  if (!host || host.replicas < 2) return undefined;
  const why = cfg.adapter === 'lora' ? 'LoRA trains in one replica'
    : (cfg.anchorWeight ?? 0) > 0 ? 'the SFT anchor trains in one replica'
    : replicaCountProblem(host.replicas, cfg, splittable);
  if (why) {
    log?.(`${stage}: one replica (${why})`);
    return undefined;
  }
  return host.start;
}

function replicaCountProblem(replicas: number, cfg: { batchSize: number; gradAccumSteps: number }, splittable: boolean): string | undefined {
  try {
    checkReplicaCount(replicas, cfg.batchSize, cfg.gradAccumSteps, splittable);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** One replica: computes its share of a step at the weights it is given. */
export interface Replica {
  /** `step`: optimizer steps done before this one (TrainTask.loss). */
  compute(weights: Record<string, Float32Array>, groups: number[][], step: number): Promise<ShareGradients>;
  /** DPO: reference log-probs of these pairs at the current weights (the reference's, before training). */
  references(indices: number[], batchSize: number): Promise<PairReference[]>;
  /** DPO: every pair's reference log-probs, needed before the first compute. */
  setReferences(refs: PairReference[]): void;
  dispose(): void;
}

/** The spec of `model` training on `data` (full fine-tuning: LoRA adapters are refused). */
export async function sftReplicaSpec(model: Model, run: { data: EncodedSample[]; padTokenId: number; config: SftConfig }): Promise<SftReplicaSpec> {
  return { kind: 'sft', modelConfig: model.config, weights: await allWeights(model), data: run.data, padTokenId: run.padTokenId, config: run.config };
}

export async function dpoReplicaSpec(model: Model, run: { data: EncodedPair[]; padTokenId: number; config: DpoConfig; checkpointing: boolean }): Promise<DpoReplicaSpec> {
  if (run.config.adapter === 'lora') throw new Error('data-parallel replicas train full weights; LoRA DPO runs in one replica');
  return { kind: 'dpo', modelConfig: model.config, weights: await allWeights(model), ...run };
}

export function createReplica(spec: ReplicaSpec): Replica {
  if (spec.kind !== 'sft' && spec.kind !== 'dpo') throw new Error(`unknown replica kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  const model = modelFromWeights(spec.modelConfig, spec.weights);
  // Built at the first step: a DPO task needs every pair's reference log-probs, which may arrive after the start.
  let built: { task: TrainTask<unknown>; takeStats?: () => Promise<GroupStats[]> } | undefined;
  const build = (): NonNullable<typeof built> => spec.kind === 'sft'
    ? { task: sftTask({ policy: modelPolicy(model, spec.config), data: spec.data, config: spec.config, padTokenId: spec.padTokenId, modelFiles: async () => ({}) }) as TrainTask<unknown> }
    : dpoReplicaTask(model, spec);
  const pairs = (): EncodedPair[] => {
    if (spec.kind !== 'dpo') throw new Error('reference log-probs are for DPO replicas; this one trains SFT');
    return spec.data;
  };
  return {
    compute: async (weights, groups, step) => {
      assignWeights(model.params, weights);
      const { task, takeStats } = (built ??= build());
      const share = await computeShare(task, Object.keys(weights), groups, step);
      return takeStats ? { ...share, stats: await takeStats() } : share;
    },
    references: async (indices, batchSize) => {
      const data = pairs();
      await computeReferenceLogps(model, indices.map((i) => data[i]), { batchSize, padTokenId: spec.padTokenId });
      return indices.map((index) => ({ index, chosen: data[index].refChosen!, rejected: data[index].refRejected! }));
    },
    setReferences: (refs) => {
      const data = pairs();
      for (const r of refs) {
        data[r.index].refChosen = r.chosen;
        data[r.index].refRejected = r.rejected;
      }
    },
    dispose: () => disposeModel(model),
  };
}

/** The DPO task of a replica, and its groups' metrics read as numbers after each share (dpo.ts keeps them as tensors). */
function dpoReplicaTask(model: Model, spec: DpoReplicaSpec): { task: TrainTask<unknown>; takeStats: () => Promise<GroupStats[]> } {
  let pending: { stats: tf.Tensor1D; pairs: number }[] = [];
  const policy = { params: model.params, model: () => model, checkpointing: spec.checkpointing };
  const task = dpoTask({ policy, data: spec.data, config: spec.config, padTokenId: spec.padTokenId, modelFiles: async () => ({}) }, (stats, pairs) => pending.push({ stats, pairs }));
  const takeStats = async (): Promise<GroupStats[]> => {
    const taken = pending;
    pending = [];
    try {
      const out: GroupStats[] = [];
      for (const p of taken) out.push({ values: Array.from(await p.stats.data()), weight: p.pairs });
      return out;
    } finally {
      tf.dispose(taken.map((p) => p.stats));
    }
  };
  return { task: task as TrainTask<unknown>, takeStats };
}

/** Every parameter's values, copied (full-weight training only). */
async function allWeights(model: Model): Promise<Record<string, Float32Array>> {
  if (model.adapters) throw new Error('data-parallel replicas train full weights; this model has LoRA adapters');
  const weights: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(model.params)) weights[name] = Float32Array.from((await v.data()) as Float32Array);
  return weights;
}

/** `count` replicas in this runtime, computed one after another: the data-parallel arithmetic without threads. */
export function inProcessReplicas(spec: ReplicaSpec, count: number, localShare = true): Replicas & { dispose(): void } {
  const replicas = Array.from({ length: count }, () => createReplica(spec));
  return {
    count,
    localShare,
    description: `${count} in-process replica${count === 1 ? '' : 's'}`,
    compute: async (weights, groups, step) => {
      const out: ShareGradients[] = [];
      for (let i = 0; i < count; i++) out.push(await replicas[i].compute(weights, groups[i], step));
      return out;
    },
    references: async (groups, batchSize) => {
      const out: PairReference[][] = [];
      for (let i = 0; i < count; i++) out.push(await replicas[i].references(groups[i], batchSize));
      return out;
    },
    setReferences: async (refs) => replicas.forEach((r) => r.setReferences(refs)),
    dispose: () => replicas.forEach((r) => r.dispose()),
  };
}

function modelFromWeights(config: ModelConfig, weights: Record<string, Float32Array>): Model {
  const shapes = expectedParamShapes(config);
  const params: Params = {};
  for (const [name, w] of Object.entries(weights)) {
    const shape = shapes[name];
    if (!shape) throw new Error(`replica: weight ${name} is not a parameter of this model config`);
    params[name] = tf.tidy(() => tf.variable(tf.tensor(w, shape, 'float32'), true));
  }
  return { config, params };
}

function assignWeights(params: Params, weights: Record<string, Float32Array>): void {
  for (const [name, w] of Object.entries(weights)) {
    const v = params[name];
    if (!v || v.size !== w.length) throw new Error(`replica: weight ${name} is not a parameter of this replica or has the wrong size`);
    tf.tidy(() => v.assign(tf.tensor(w, v.shape, 'float32')));
  }
}
