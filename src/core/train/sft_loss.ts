// The SFT objective: mean next-token negative log-likelihood over the tokens the loss mask selects.
// Takes log-probabilities (the model's tokenLogProbs) or logits; it does not run the model.
import { tf } from '../runtime/tf.ts';

/**
 * -sum(logps · mask) / sum(mask): `logps` [B, T] are log p(target_t | prefix), `mask` [B, T] is
 * 1 where the target is trained. A batch with nothing to train gives 0 (denominator floored at 1).
 */
export function maskedNll(logps: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32'); // [B, T]
    const total = tf.neg(tf.sum(tf.mul(logps, m)));
    return tf.div(total, tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

/** log softmax(logits)[target] at each position: [B, T, V] logits, [B, T] targets -> [B, T]. */
export function targetLogProbs(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const V = logits.shape[2];
    const logp = tf.logSoftmax(logits); // [B, T, V]
    const onehot = tf.oneHot(tf.cast(targets, 'int32'), V); // [B, T, V]
    return tf.sum(tf.mul(logp, onehot), -1) as tf.Tensor2D; // [B, T]
  });
}

/** Masked cross-entropy straight from logits (the reference the model's tokenLogProbs path must match). */
export function maskedCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => maskedNll(targetLogProbs(logits, targets), mask));
}
