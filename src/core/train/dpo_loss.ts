// DPO-family losses on per-token log-probabilities of chosen and rejected completions, with TRL's metrics.
// Pure tensor math: no model, no optimizer; the caller owns the tidy scope the returned tensors live in.
import { tf } from '../runtime/tf.ts';
import type { DpoConfig } from './dpo_config.ts';

export type DpoLossConfig = Pick<DpoConfig, 'beta' | 'lossType' | 'labelSmoothing' | 'esmGamma' | 'esmMode' | 'rpoAlpha'>;

/** One batch of B pairs; completion tokens right-padded to Tc / Tr with mask 0. */
export interface DpoLogps {
  policyChosen: tf.Tensor2D; // [B, Tc] log π(y_t | x, y_<t) of each chosen completion token
  policyRejected: tf.Tensor2D; // [B, Tr]
  refChosen: tf.Tensor2D; // [B, Tc] the same under the frozen reference
  refRejected: tf.Tensor2D; // [B, Tr]
  /** Tokens that enter the preference term (the completion, or only its divergent suffix). */
  maskChosen: tf.Tensor2D; // [B, Tc] 0/1
  maskRejected: tf.Tensor2D; // [B, Tr] 0/1
  /** Tokens of the chosen completion that enter the RPO NLL term (normally every completion token). */
  nllMaskChosen: tf.Tensor2D; // [B, Tc] 0/1
  /** ESM(chosen) − ESM(rejected) per pair, used by lossType 'esm'. */
  scoreMargin: tf.Tensor1D; // [B]
}

/** Scalar loss plus per-pair terms for TRL-named metrics (`rewards/*`, `logps/*`) and a KL estimate. */
export interface DpoLossOutput {
  loss: tf.Scalar;
  rewardsChosen: tf.Tensor1D; // [B] β·(log π − log ref) of chosen (per-token means for ipo)
  rewardsRejected: tf.Tensor1D; // [B]
  logpsChosen: tf.Tensor1D; // [B] summed policy log-probs over the masked tokens
  logpsRejected: tf.Tensor1D; // [B]
  /**
   * Mean over masked chosen and rejected tokens of Schulman's k3 estimator exp(r) − 1 − r, r = log ref − log π:
   * non-negative, 0 when policy equals reference. The completions are not samples of the policy, so this is
   * a token-level drift measure on the training pairs, not an unbiased KL(π‖ref).
   */
  kl: tf.Scalar;
}

const masked = (lp: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D => tf.sum(tf.mul(lp, mask), 1) as tf.Tensor1D; // [B]
const count = (mask: tf.Tensor2D): tf.Tensor1D => tf.maximum(tf.sum(mask, 1), 1) as tf.Tensor1D; // [B]

export function dpoLoss(b: DpoLogps, cfg: DpoLossConfig): DpoLossOutput {
  const { beta, lossType } = cfg;
  const lengthNorm = lossType === 'ipo';
  const norm = (x: tf.Tensor1D, mask: tf.Tensor2D): tf.Tensor1D => (lengthNorm ? tf.div(x, count(mask)) : x);
  const piC = masked(b.policyChosen, b.maskChosen); // [B]
  const piR = masked(b.policyRejected, b.maskRejected); // [B]
  const ratioC = norm(tf.sub(piC, masked(b.refChosen, b.maskChosen)) as tf.Tensor1D, b.maskChosen); // [B]
  const ratioR = norm(tf.sub(piR, masked(b.refRejected, b.maskRejected)) as tf.Tensor1D, b.maskRejected); // [B]
  const logits = tf.sub(ratioC, ratioR) as tf.Tensor1D; // [B] log-ratio difference, h / β
  const h = tf.mul(logits, beta) as tf.Tensor1D; // [B]
  let losses = pairLosses(h, logits, b.scoreMargin, cfg); // [B]
  if (cfg.rpoAlpha > 0) {
    const nll = tf.neg(tf.div(masked(b.policyChosen, b.nllMaskChosen), count(b.nllMaskChosen))); // [B] RPO eq. 3
    losses = tf.add(losses, tf.mul(nll, cfg.rpoAlpha)) as tf.Tensor1D;
  }
  return {
    loss: tf.mean(losses) as tf.Scalar,
    rewardsChosen: tf.mul(ratioC, beta) as tf.Tensor1D,
    rewardsRejected: tf.mul(ratioR, beta) as tf.Tensor1D,
    logpsChosen: piC,
    logpsRejected: piR,
    kl: k3(b),
  };
}

function pairLosses(h: tf.Tensor1D, logits: tf.Tensor1D, scoreMargin: tf.Tensor1D, cfg: DpoLossConfig): tf.Tensor1D {
  const eps = cfg.labelSmoothing;
  // −log σ(x) = softplus(−x); tf.logSigmoid's custom gradient loses its saved input under tf.tidy.
  const nls = (x: tf.Tensor): tf.Tensor => tf.softplus(tf.neg(x));
  switch (cfg.lossType) {
    case 'sigmoid': // DPO eq. 7; cDPO when eps > 0
      return (eps > 0 ? tf.add(tf.mul(nls(h), 1 - eps), tf.mul(nls(tf.neg(h)), eps)) : nls(h)) as tf.Tensor1D;
    case 'robust': // rDPO eq. 8
      return tf.div(tf.sub(tf.mul(nls(h), 1 - eps), tf.mul(nls(tf.neg(h)), eps)), 1 - 2 * eps) as tf.Tensor1D;
    case 'hinge': // SLiC
      return tf.relu(tf.sub(1, h)) as tf.Tensor1D;
    case 'ipo': // IPO eq. 17
      return tf.square(tf.sub(logits, 1 / (2 * cfg.beta))) as tf.Tensor1D;
    case 'nll': // no preference term: the RPO term added by the caller is the whole loss
      return tf.zerosLike(h) as tf.Tensor1D;
    case 'esm':
      if (cfg.esmMode === 'margin') return nls(tf.sub(h, tf.mul(scoreMargin, cfg.esmGamma))) as tf.Tensor1D; // ODPO eq. 6
      return tf.div(tf.mul(nls(h), scoreMargin), tf.maximum(tf.mean(scoreMargin), 1e-6)) as tf.Tensor1D;
  }
}

function k3(b: DpoLogps): tf.Scalar {
  const term = (pol: tf.Tensor2D, ref: tf.Tensor2D, mask: tf.Tensor2D): [tf.Tensor, tf.Tensor] => {
    const r = tf.sub(ref, pol); // [B, T]
    return [tf.sum(tf.mul(tf.sub(tf.sub(tf.exp(r), 1), r), mask)), tf.sum(mask)];
  };
  const [sc, nc] = term(b.policyChosen, b.refChosen, b.maskChosen);
  const [sr, nr] = term(b.policyRejected, b.refRejected, b.maskRejected);
  return tf.div(tf.add(sc, sr), tf.maximum(tf.add(nc, nr), 1)) as tf.Scalar;
}
