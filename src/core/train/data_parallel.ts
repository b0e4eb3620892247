// Data-parallel optimizer steps: a step's micro-batches are shared among R replicas of the task (this runtime
// is replica 0; the others are remote, e.g. worker threads), each returns the gradient of its items' weighted
// loss, and their exact sum drives one AdamW update here. Planning and combining only: no threads, no messages.
import { tf } from '../runtime/tf.ts';
import type { AdamW, ParamMap } from './optimizer.ts';
import type { TrainTask } from './trainer.ts';
import { accumulateGrads, applyGradients, type StepOptions, type StepResult } from './train_step.ts';
import { cutByLength } from './balance_shares.ts';
import type { PairReference } from './reference.ts';

/** A replica's part of one step: its groups' summed weight · loss, and that sum's gradient by parameter name. */
export interface ShareGradients {
  /** sum over the replica's groups of weight_g · loss_g (loss_g a mean over group g's own items). */
  weightedLoss: number;
  /** sum of weight_g (SFT: trained tokens; DPO: pairs). */
  weight: number;
  /** Tokens processed, for tokens_per_sec. */
  tokens: number;
  /** d(weightedLoss)/d(parameter), flat, by parameter name. */
  grads: Record<string, Float32Array>;
  /** Metrics the task's loss reported for each group (DPO's rewards, KL), read in the replica: see TrainTask.remoteStats. */
  stats?: GroupStats[];
}

/** One group's metrics as numbers, with the group's weight (DPO: pairs), for weighted means over a step. */
export interface GroupStats {
  values: number[];
  weight: number;
}

/** The remote replicas of a training task (replica 0 is the runtime that owns the optimizer). */
export interface Replicas {
  /** Number of remote replicas. */
  count: number;
  /**
   * False: this runtime computes no share, it only combines and updates (the step runs on `count` replicas), so a
   * host keeps its own threads for other work, e.g. the pipeline's sampling stages. Default true (count + 1).
   */
  localShare?: boolean;
  /** Describes them for run reports, e.g. "2 worker threads, wasm 1 thread each". */
  description: string;
  /**
   * Sets every remote replica's trainable weights to `weights`, has replica i + 1 compute `groups[i]`, and
   * resolves with their shares in replica order. Rejects, naming the replica, when one fails.
   */
  compute(weights: Record<string, Float32Array>, groups: number[][][], step: number): Promise<ShareGradients[]>;
  /** DPO replicas: replica i + 1 computes the reference log-probs of pairs `groups[i]` at the weights it started with. */
  references?(groups: number[][], batchSize: number): Promise<PairReference[][]>;
  /** DPO replicas: every replica is given every pair's reference log-probs (before training). */
  setReferences?(refs: PairReference[]): Promise<void>;
}

/**
 * The items each of `replicas` replicas computes: for each replica, its groups of dataset indices (each
 * group one batch). When the micro-batches divide evenly, each replica takes whole consecutive micro-batches;
 * otherwise every micro-batch is cut into `replicas` parts: of about equal padded work when `length` gives
 * each item's padded length (balance_shares.ts), else consecutive (the first ones one item longer).
 * Cutting a micro-batch keeps the step exact only for losses that are weighted means over items
 * (`splittable`); a loss normalised over its whole batch (ESM-weighted DPO) is refused then.
 */
export function planShares(micro: number[][], replicas: number, splittable: boolean, length?: (index: number) => number): number[][][] {
  checkReplicaCount(replicas, Math.min(...micro.map((m) => m.length)), micro.length, splittable);
  const G = micro.length;
  if (G % replicas === 0) return Array.from({ length: replicas }, (_, r) => micro.slice((r * G) / replicas, ((r + 1) * G) / replicas));
  const plan: number[][][] = Array.from({ length: replicas }, () => []);
  for (const items of micro) {
    if (length) {
      cutByLength(items, length, replicas).forEach((part, r) => plan[r].push(part));
      continue;
    }
    const base = Math.floor(items.length / replicas);
    const extra = items.length % replicas;
    let at = 0;
    for (let r = 0; r < replicas; r++) {
      const n = base + (r < extra ? 1 : 0);
      plan[r].push(items.slice(at, at + n));
      at += n;
    }
  }
  return plan;
}

/**
 * Refuses a replica count that leaves a replica without work or cannot keep the step exact, naming why:
 * `replicas` must be an integer >= 1, no more than the items of a micro-batch (when micro-batches are cut)
 * or a divisor of `gradAccumSteps` (when whole micro-batches are shared).
 */
export function checkReplicaCount(replicas: number, batchSize: number, gradAccumSteps: number, splittable: boolean): void {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 64) throw new Error(`data-parallel replicas must be an integer from 1 to 64, got ${replicas}`);
  if (gradAccumSteps % replicas === 0) return;
  if (!splittable) {
    throw new Error(`${replicas} data-parallel replicas need gradAccumSteps to be a multiple of ${replicas} (got ${gradAccumSteps}): this loss normalises over its whole micro-batch, so one cannot be cut across replicas`);
  }
  if (batchSize < replicas) {
    throw new Error(`${replicas} data-parallel replicas need at least ${replicas} items per micro-batch (batchSize ${batchSize}) or gradAccumSteps a multiple of ${replicas} (got ${gradAccumSteps}): a replica would have nothing to compute`);
  }
}

/** The step's mean loss and mean gradient from every replica's share: sums over replicas divided by the total weight. */
export function combineShares(shares: ShareGradients[]): { loss: number; tokens: number; grads: Record<string, Float32Array> } {
  const total = shares.reduce((s, x) => s + x.weight, 0);
  if (!(total > 0)) throw new Error(`data-parallel step: share weights must sum to > 0, got ${total}`);
  const grads: Record<string, Float32Array> = {};
  for (const name of Object.keys(shares[0].grads)) {
    const parts = shares.map((s, r) => {
      const g = s.grads[name];
      if (!g || g.length !== shares[0].grads[name].length) throw new Error(`data-parallel step: replica ${r} sent no gradient of ${name} or one of the wrong size`);
      return g;
    });
    const sum = new Float64Array(parts[0]); // doubles: the replicas' parts add without float32 rounding between them
    for (const g of parts.slice(1)) for (let i = 0; i < sum.length; i++) sum[i] += g[i];
    const out = new Float32Array(sum.length);
    for (let i = 0; i < out.length; i++) out[i] = sum[i] / total;
    grads[name] = out;
  }
  const loss = shares.reduce((s, x) => s + x.weightedLoss, 0) / total;
  return { loss, tokens: shares.reduce((s, x) => s + x.tokens, 0), grads };
}

/**
 * Replica 0's share: for each group, one batch and the gradient of weight · loss, summed. The same function
 * runs in every replica, so a replica's numbers are those this runtime would compute for the same items.
 */
export async function computeShare<B>(task: TrainTask<B>, names: string[], groups: number[][], step: number): Promise<ShareGradients> {
  if (groups.length === 0) return { weightedLoss: 0, weight: 0, tokens: 0, grads: Object.fromEntries(names.map((n) => [n, new Float32Array(task.params[n].size)])) };
  const batches: B[] = [];
  try {
    for (const items of groups) batches.push(task.makeBatch(items));
    const micro = batches.map((b) => ({ loss: () => task.loss(b, step), weight: task.weight(b) }));
    // total 1: each group's loss is scaled by its weight alone, so the shares of all replicas add up
    const { sums, loss } = await accumulateGrads(task.params, names, micro, 1);
    try {
      const grads: Record<string, Float32Array> = {};
      for (const n of names) grads[n] = (await sums[n].data()) as Float32Array;
      return { weightedLoss: loss, weight: micro.reduce((s, m) => s + m.weight, 0), tokens: batches.reduce((s, b) => s + task.tokens(b), 0), grads };
    } finally {
      tf.dispose(Object.values(sums));
    }
  } finally {
    batches.forEach((b) => task.disposeBatch(b));
  }
}

/** Current values of the named parameters, flat (what the remote replicas are set to before a step). */
export async function readWeights(params: ParamMap, names: string[]): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const n of names) out[n] = (await params[n].data()) as Float32Array;
  return out;
}

/** One optimizer step over this runtime and the remote replicas: plan, compute everywhere at once, combine, update here. */
export async function dataParallelStep<B>(task: TrainTask<B>, micro: number[][], opt: AdamW, replicas: Replicas, options: StepOptions, step: number): Promise<StepResult & { tokens: number }> {
  const names = Object.keys(opt.moments);
  const localShare = replicas.localShare !== false;
  const plan = planShares(micro, replicas.count + (localShare ? 1 : 0), task.splittable !== false, task.itemLength);
  const remote = replicas.compute(await readWeights(task.params, names), localShare ? plan.slice(1) : plan, step);
  remote.catch(() => undefined); // awaited below; this only keeps a local failure from leaving it unhandled
  const local = localShare ? [await computeShare(task, names, plan[0], step)] : [];
  const shares = await remote;
  for (const s of shares) if (s.stats) task.remoteStats?.(s.stats);
  const combined = combineShares([...local, ...shares]);
  const grads = tf.tidy(() => Object.fromEntries(names.map((n) => [n, tf.tensor(combined.grads[n], task.params[n].shape, 'float32')])));
  try {
    return { ...(await applyGradients(task.params, grads, combined.loss, opt, options)), tokens: combined.tokens };
  } finally {
    tf.dispose(Object.values(grads));
  }
}
