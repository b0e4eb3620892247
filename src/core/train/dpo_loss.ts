// DPO-family losses on per-token log-probabilities of chosen and rejected completions, with TRL's metrics.
// Pure tensor math: no model, no optimizer; the caller owns the tidy scope the returned tensors live in.
import { tf } from '../runtime/tf.ts';
import { lossTerms, type DpoConfig, type DpoLossType } from './dpo_config.ts';

export type DpoLossConfig = Pick<DpoConfig, 'beta' | 'lossType' | 'labelSmoothing' | 'esmGamma' | 'esmMode' | 'rpoAlpha'>
  & Partial<Pick<DpoConfig, 'lossWeights' | 'dpopLambda'>>;

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
  /**
   * The same over the chosen tokens alone: large when the policy makes the chosen completions far less likely than
   * the reference did (a run falling apart), small when it makes them more likely. The rejected side, which DPO
   * pushes down on purpose, can put `kl` in the hundreds on a run that learns (k3 grows as exp of the drop).
   */
  klChosen: tf.Scalar;
}

const masked = (lp: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D => tf.sum(tf.mul(lp, mask), 1) as tf.Tensor1D; // [B]
const count = (mask: tf.Tensor2D): tf.Tensor1D => tf.maximum(tf.sum(mask, 1), 1) as tf.Tensor1D; // [B]

/** Per-token mean NLL of each chosen completion over `mask` (RPO eq. 3; TRL's 'sft' term). */
const chosenNll = (b: DpoLogps): tf.Tensor1D => tf.neg(tf.div(masked(b.policyChosen, b.nllMaskChosen), count(b.nllMaskChosen))) as tf.Tensor1D; // [B]

export function dpoLoss(b: DpoLogps, cfg: DpoLossConfig): DpoLossOutput {
  const { beta } = cfg;
  const terms = lossTerms({ lossType: cfg.lossType, lossWeights: cfg.lossWeights ?? [] });
  const piC = masked(b.policyChosen, b.maskChosen); // [B]
  const piR = masked(b.policyRejected, b.maskRejected); // [B]
  const refC = masked(b.refChosen, b.maskChosen); // [B]
  const rawC = tf.sub(piC, refC) as tf.Tensor1D; // [B]
  const rawR = tf.sub(piR, masked(b.refRejected, b.maskRejected)) as tf.Tensor1D; // [B]
  // IPO compares per-token mean log-ratios (TRL's length normalisation); every other loss, summed ones.
  const ratios = (type: DpoLossType): [tf.Tensor1D, tf.Tensor1D] =>
    type === 'ipo' ? [tf.div(rawC, count(b.maskChosen)) as tf.Tensor1D, tf.div(rawR, count(b.maskRejected)) as tf.Tensor1D] : [rawC, rawR];
  // DPOP eq. 3: λ·max(0, log ref(y_w) − log π(y_w)) is taken off the log-ratio difference.
  const dpop = cfg.dpopLambda ? tf.mul(tf.relu(tf.sub(refC, piC)), cfg.dpopLambda) as tf.Tensor1D : null; // [B]
  let losses: tf.Tensor1D = tf.zerosLike(piC); // [B]
  for (const { type, weight } of terms) {
    let term: tf.Tensor1D;
    if (type === 'sft') term = chosenNll(b);
    else {
      const [rc, rr] = ratios(type);
      let logits = tf.sub(rc, rr) as tf.Tensor1D; // [B] log-ratio difference, h / β
      if (dpop) logits = tf.sub(logits, dpop) as tf.Tensor1D;
      term = pairLosses(type, tf.mul(logits, beta) as tf.Tensor1D, logits, b.scoreMargin, cfg);
    }
    losses = tf.add(losses, weight === 1 ? term : tf.mul(term, weight)) as tf.Tensor1D;
  }
  if (cfg.rpoAlpha > 0) losses = tf.add(losses, tf.mul(chosenNll(b), cfg.rpoAlpha)) as tf.Tensor1D;
  // Rewards use the normalisation of the first preference term (IPO's mean, else sums).
  const [ratioC, ratioR] = ratios(terms.find((t) => t.type !== 'sft' && t.type !== 'nll')?.type ?? 'sigmoid');
  return {
    loss: tf.mean(losses) as tf.Scalar,
    rewardsChosen: tf.mul(ratioC, beta) as tf.Tensor1D,
    rewardsRejected: tf.mul(ratioR, beta) as tf.Tensor1D,
    logpsChosen: piC,
    logpsRejected: piR,
    kl: k3(b),
    klChosen: k3(b, false),
  };
}

function pairLosses(type: DpoLossType, h: tf.Tensor1D, logits: tf.Tensor1D, scoreMargin: tf.Tensor1D, cfg: DpoLossConfig): tf.Tensor1D {
  const eps = cfg.labelSmoothing;
  // −log σ(x) = softplus(−x); tf.logSigmoid's custom gradient loses its saved input under tf.tidy.
  const nls = (x: tf.Tensor): tf.Tensor => tf.softplus(tf.neg(x));
  switch (type) {
    case 'sigmoid': // DPO eq. 7; cDPO when eps > 0
      return (eps > 0 ? tf.add(tf.mul(nls(h), 1 - eps), tf.mul(nls(tf.neg(h)), eps)) : nls(h)) as tf.Tensor1D;
    case 'robust': // rDPO eq. 8
      return tf.div(tf.sub(tf.mul(nls(h), 1 - eps), tf.mul(nls(tf.neg(h)), eps)), 1 - 2 * eps) as tf.Tensor1D;
    case 'hinge': // SLiC
      return tf.relu(tf.sub(1, h)) as tf.Tensor1D;
    case 'ipo': // IPO eq. 17
      return tf.square(tf.sub(logits, 1 / (2 * cfg.beta))) as tf.Tensor1D;
    case 'nll': // no preference term: the RPO term added by the caller is the whole loss
    case 'sft': // handled by dpoLoss
      return tf.zerosLike(h) as tf.Tensor1D;
    case 'esm':
      if (cfg.esmMode === 'margin') return nls(tf.sub(h, tf.mul(scoreMargin, cfg.esmGamma))) as tf.Tensor1D; // ODPO eq. 6
      return tf.div(tf.mul(nls(h), scoreMargin), tf.maximum(tf.mean(scoreMargin), 1e-6)) as tf.Tensor1D;
  }
}

function k3(b: DpoLogps, rejected = true): tf.Scalar {
  const term = (pol: tf.Tensor2D, ref: tf.Tensor2D, mask: tf.Tensor2D): [tf.Tensor, tf.Tensor] => {
    const r = tf.sub(ref, pol); // [B, T]
    return [tf.sum(tf.mul(tf.sub(tf.sub(tf.exp(r), 1), r), mask)), tf.sum(mask)];
  };
  const [sc, nc] = term(b.policyChosen, b.refChosen, b.maskChosen);
  if (!rejected) return tf.div(sc, tf.maximum(nc, 1)) as tf.Scalar;
  const [sr, nr] = term(b.policyRejected, b.refRejected, b.maskRejected);
  return tf.div(tf.add(sc, sr), tf.maximum(tf.add(nc, nr), 1)) as tf.Scalar;
}
