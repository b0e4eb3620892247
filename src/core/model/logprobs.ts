// Per-token log-probabilities of given targets, differentiable on every backend (SFT and DPO train
// through it). Picks targets with a one-hot product, not tf.gather, whose gradient wasm lacks.
// It does not shift inputs/targets or apply loss masks: callers pass aligned targets and use maskedSum.
import { tf } from '../runtime/tf.ts';
import { forward, type ForwardOptions } from './model.ts';
import type { Model } from './params.ts';

/** log p(target[b, t] | inputIds[b, ..t]): [B, T]. Targets outside [0, V) (e.g. -100) get -logsumexp; mask them. */
export function tokenLogProbs(model: Model, inputIds: tf.Tensor2D, targetIds: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
  return tf.tidy(() => logProbsOfTargets(forward(model, inputIds, opts), targetIds));
}

/** log_softmax(logits)[b, t, target[b, t]] without materialising the gather: [B, T, V] x [B, T] -> [B, T]. */
export function logProbsOfTargets(logits: tf.Tensor3D, targetIds: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => pickLogProbs(logits, tf.cast(targetIds, 'int32')));
}

/**
 * Forward log_softmax then a one-hot pick; backward the closed form dy * (onehot - softmax).
 * tfjs's own gradient of logSumExp goes through max's Equal mask over [B, T, V], which costs more
 * than the whole forward on wasm.
 */
const pickLogProbs = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [logits, targets, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.GradSaveFunc];
  const logp = tf.logSoftmax(logits); // [B, T, V]
  const oneHot = tf.oneHot(targets, logits.shape[2]); // [B, T, V]
  save([logp, oneHot]);
  return {
    value: tf.sum(tf.mul(logp, oneHot), -1), // [B, T]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedLogp, savedOneHot] = saved;
      return [tf.mul(tf.expandDims(dy, -1), tf.sub(savedOneHot, tf.exp(savedLogp))), tf.zerosLike(targets)]; // [B, T, V]
    },
  };
}) as (logits: tf.Tensor3D, targets: tf.Tensor2D) => tf.Tensor2D;

/** Sum over positions of logps where mask is 1: [B, T], [B, T] -> [B]. */
export function maskedSum(logps: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(logps, tf.cast(mask, 'float32')), 1) as tf.Tensor1D); // [B]
}
