// AdamW (Loshchilov & Hutter 2019) over a named parameter map, with PyTorch's update order.
// Owns the moment variables; gradients, clipping and the loss come from train_step.ts.
import { tf } from '../runtime/tf.ts';

/** Named trainable tensors; keys are HF tensor names (the model's `Params`). */
export type ParamMap = Record<string, tf.Variable>;

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Per-parameter moments plus the count of applied updates (for bias correction). */
export interface AdamW {
  config: AdamWConfig;
  /** Updates applied so far; the next update uses t = step + 1. */
  step: number;
  /** Only parameters with `trainable` true get moments and updates (frozen bases, LoRA). */
  moments: Record<string, { expAvg: tf.Variable; expAvgSq: tf.Variable }>;
}

export function createAdamW(params: ParamMap, config: AdamWConfig): AdamW {
  const moments: AdamW['moments'] = {};
  for (const [name, p] of Object.entries(params)) {
    if (!p.trainable) continue;
    moments[name] = {
      expAvg: tf.tidy(() => tf.variable(tf.zeros(p.shape, 'float32'), false)),
      expAvgSq: tf.tidy(() => tf.variable(tf.zeros(p.shape, 'float32'), false)),
    };
  }
  return { config: { ...config }, step: 0, moments };
}

export function disposeAdamW(opt: AdamW): void {
  for (const m of Object.values(opt.moments)) {
    m.expAvg.dispose();
    m.expAvgSq.dispose();
  }
  opt.moments = {};
}

/**
 * Decoupled weight decay applies to matrices only (rank >= 2: linear weights and embeddings);
 * norm gains and biases (rank 1) are not decayed. This is nanoGPT's rule (configure_optimizers).
 */
export function decays(param: tf.Tensor): boolean {
  return param.rank >= 2;
}

/**
 * One AdamW update of every parameter that has moments, with gradients multiplied by `gradScale`
 * first (the clipping factor). PyTorch AdamW: p <- p(1 - lr·wd); m <- b1·m + (1-b1)·g;
 * v <- b2·v + (1-b2)·g²; p <- p - lr·(m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
 */
export function adamwUpdate(opt: AdamW, params: ParamMap, grads: Record<string, tf.Tensor>, lr: number, gradScale = 1): void {
  const { beta1, beta2, eps, weightDecay } = opt.config;
  const t = opt.step + 1;
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  tf.tidy(() => {
    for (const [name, { expAvg, expAvgSq }] of Object.entries(opt.moments)) {
      const p = params[name];
      const g0 = grads[name];
      if (!g0) throw new Error(`adamw: no gradient for parameter ${name}`);
      const g = gradScale === 1 ? g0 : tf.mul(g0, gradScale);
      const m = tf.add(tf.mul(expAvg, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(expAvgSq, beta2), tf.mul(tf.square(g), 1 - beta2));
      const denom = tf.add(tf.sqrt(tf.div(v, bc2)), eps);
      const update = tf.div(tf.div(m, bc1), denom);
      const decayed = weightDecay > 0 && decays(p) ? tf.mul(p, 1 - lr * weightDecay) : p;
      expAvg.assign(m);
      expAvgSq.assign(v);
      p.assign(tf.sub(decayed, tf.mul(update, lr)));
    }
  });
  opt.step = t;
}
