// One optimizer step, generic over the loss: gradients (accumulated over micro-batches), global-norm
// clipping, a NaN/Inf guard that refuses to update, then AdamW. SFT and DPO both call this.
// tfjs-core alone ships no gradient functions; training is the one consumer that needs them.
// (Belongs beside the backends in runtime/tf.ts; importing it twice is harmless.)
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { tf } from '../runtime/tf.ts';
import { addMany } from '../runtime/add_many.ts';
import { adamwUpdate, type AdamW, type ParamMap } from './optimizer.ts';

/** A micro-batch's loss (its own mean) and its weight in the step (SFT: trained tokens; DPO: pairs). */
export interface MicroBatch {
  loss: () => tf.Scalar;
  weight: number;
}

export interface StepOptions {
  /** Learning rate for this update (from the schedule). */
  lr: number;
  /** Clip the global gradient norm to this; 0 disables clipping. */
  maxGradNorm: number;
}

export interface StepResult {
  /** Weighted mean loss over the micro-batches (what one batch of all of them would give). */
  loss: number;
  /** Global L2 norm of the gradient before clipping. */
  gradNorm: number;
}

/** Raised before any parameter changes when the loss or the gradient is not finite. */
export class NonFiniteError extends Error {
  constructor(readonly quantity: 'loss' | 'gradient norm', readonly value: number) {
    super(`${quantity} is ${value}`);
  }
}

/**
 * Accumulates gradients of sum_i (w_i / W) · loss_i, so micro-batches whose losses are means over
 * their own items give exactly the gradient of one batch of all items. Weights of 0 are allowed
 * (a micro-batch with nothing to learn) as long as their sum is positive.
 */
export async function trainStep(
  params: ParamMap,
  lossOrMicroBatches: (() => tf.Scalar) | MicroBatch[],
  opt: AdamW,
  options: StepOptions,
): Promise<StepResult> {
  const micro = typeof lossOrMicroBatches === 'function' ? [{ loss: lossOrMicroBatches, weight: 1 }] : lossOrMicroBatches;
  const total = micro.reduce((s, m) => s + m.weight, 0);
  if (!(total > 0)) throw new Error(`trainStep: micro-batch weights must sum to > 0, got ${total}`);
  const names = Object.keys(opt.moments);
  const grads = await accumulateGrads(params, names, micro, total);
  try {
    return await applyGradients(params, grads.sums, grads.loss, opt, options);
  } finally {
    tf.dispose(Object.values(grads.sums));
  }
}

/**
 * The update half of a step, for gradients however they were computed (here, or summed over data-parallel
 * replicas: data_parallel.ts): the global norm, the NaN/Inf guard, clipping, AdamW. `grads` stay the caller's.
 */
export async function applyGradients(params: ParamMap, grads: Record<string, tf.Tensor>, loss: number, opt: AdamW, options: StepOptions): Promise<StepResult> {
  const gradNorm = await globalNorm(Object.values(grads));
  if (!Number.isFinite(loss)) throw new NonFiniteError('loss', loss);
  if (!Number.isFinite(gradNorm)) throw new NonFiniteError('gradient norm', gradNorm);
  adamwUpdate(opt, params, grads, options.lr, clipScale(gradNorm, options.maxGradNorm));
  return { loss, gradNorm };
}

/** Gradients of sum_i (w_i / total) · loss_i by parameter name, and that sum's value; the caller owns `sums`. */
export async function accumulateGrads(params: ParamMap, names: string[], micro: MicroBatch[], total: number): Promise<{ sums: Record<string, tf.Tensor>; loss: number }> {
  const vars = names.map((n) => params[n]);
  let sums: Record<string, tf.Tensor> | null = null;
  let loss = 0;
  for (const m of micro) {
    const scale = m.weight / total;
    const { value, grads } = tf.variableGrads(() => tf.mul(m.loss(), scale) as tf.Scalar, vars);
    loss += (await value.data())[0];
    value.dispose();
    const next: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => {
      const g = grads[vars[i].name] ?? tf.zerosLike(vars[i]);
      next[n] = sums ? tf.add(sums[n], g) : g;
      if (sums) g.dispose();
    });
    if (sums) tf.dispose(Object.values(sums));
    sums = next;
  }
  return { sums: sums!, loss };
}

/** sqrt(sum of squares) over all tensors, read back as a number. */
export async function globalNorm(tensors: tf.Tensor[]): Promise<number> {
  const norm = tf.tidy(() => tf.sqrt(addMany(tensors.map((g) => tf.sum(tf.square(g))))));
  const value = (await norm.data())[0];
  norm.dispose();
  return value;
}

/** Factor that brings a gradient of norm `norm` down to `maxNorm` (PyTorch clip_grad_norm_: max/(norm+1e-6), capped at 1). */
export function clipScale(norm: number, maxNorm: number): number {
  if (maxNorm <= 0) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
