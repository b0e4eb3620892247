// Matrix products shaped for the wasm backend's one fast path: XNNPACK runs only 2D (batch 1)
// products without transpose flags; transposed or batched ones fall to a scalar loop ~10x slower
// (tfjs-backend-wasm src/cc/batch_mat_mul_impl.cc). Gradients are written to stay on that path.
import { tf } from '../runtime/tf.ts';
import { concatAxis, splitAxis, stackRows, unstackRows } from './split_concat.ts';

/** a @ b for 2D tensors, forward and backward without transpose flags: [M, K] x [K, N] -> [M, N]. */
export const matMul2d = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b), // [M, N]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const [M, K] = sa.shape;
      const N = sb.shape[1];
      // db = a^T dy, or (dy^T a)^T when transposing dy [M, N] and the result [N, K] moves fewer floats
      // than transposing a [M, K] (attention's [T, S] probabilities times V: S*T vs D*(T + S)).
      const db = M * K <= N * (M + K)
        ? tf.matMul(tf.transpose(sa), dy as tf.Tensor2D) // [K, N]
        : tf.transpose(tf.matMul(tf.transpose(dy), sa)); // [N, K] -> [K, N]
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), db]; // [M, K], [K, N]
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

/** A LoRA update of one weight: (scale)·B·A added to W [out, in], with A [r, in] and B [out, r] trained. */
export interface LinearAdapter {
  A: tf.Tensor;
  B: tf.Tensor;
  scale: number;
}

/**
 * nn.Linear with HF's weight layout [out, in]: x [N, in] -> [N, out]. Several weights are applied as
 * one product over their concatenation (outputs side by side), e.g. q/k/v or gate/up: fewer kernels.
 * With `frozen` (inference: no gradient needed) the transposed concatenation is cached until a weight
 * changes, so XNNPACK also keeps its packed copy across decode steps instead of repacking every token.
 * With `adapters` (LoRA: one entry per weight, undefined where none) the weights are a frozen base:
 * cached as for inference, gradients reach x and the adapters only (frozenBase), and each adapted
 * output adds scale·(x·Aᵀ)·Bᵀ, so no training step copies or transposes a base weight.
 */
export function linear(x: tf.Tensor, weights: tf.Tensor | tf.Tensor[], biases?: tf.Tensor | (tf.Tensor | undefined)[], frozen = false,
  adapters?: (LinearAdapter | undefined)[]): tf.Tensor2D {
  const ws = Array.isArray(weights) ? weights : [weights];
  const y: tf.Tensor2D = adapters ? adapted(x as tf.Tensor2D, ws, adapters)
    : frozen ? tf.matMul(x as tf.Tensor2D, frozenTranspose(ws)) // [N, sum(out)]
      : matMul2d(x, tf.transpose(concatAxis(ws, 0))); // [N, sum(out)]
  const bs = (Array.isArray(biases) ? biases : [biases]).filter((b): b is tf.Tensor => b !== undefined);
  if (bs.length === 0) return y;
  if (bs.length !== ws.length) throw new Error('linear: give a bias for every weight or for none');
  return tf.add(y, bs.length === 1 ? bs[0] : tf.concat(bs, 0)) as tf.Tensor2D;
}

/**
 * x · concat(weights)ᵀ for weights that are not trained: the forward uses the cached transpose, the
 * backward multiplies dy's slice of each weight's outputs by the weight as stored ([out, in]), so the
 * step needs no copy of any weight. The gradient goes to x only.
 */
function frozenBase(x: tf.Tensor2D, weights: tf.Tensor[]): tf.Tensor2D {
  const wT = frozenTranspose(weights); // [in, sum(out)]
  const outs = weights.map((w) => w.shape[0]);
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, wT), // [N, sum(out)]
    gradFunc: (dy: tf.Tensor) => {
      const parts = weights.length === 1 ? [dy] : splitAxis(dy, outs, 1); // [N, out_i] each
      const dx = parts.map((d, i) => tf.matMul(d as tf.Tensor2D, weights[i] as tf.Tensor2D)); // [N, in] each
      return dx.length === 1 ? dx[0] : tf.addN(dx);
    },
  })) as (x: tf.Tensor) => tf.Tensor2D;
  return product(x);
}

/** The frozen base plus each adapter's scale·(x·Aᵀ)·Bᵀ in its weight's output columns. */
function adapted(x: tf.Tensor2D, weights: tf.Tensor[], adapters: (LinearAdapter | undefined)[]): tf.Tensor2D {
  const base = frozenBase(x, weights); // [N, sum(out)]
  if (adapters.every((a) => a === undefined)) return base;
  const N = x.shape[0];
  const deltas = weights.map((w, i) => {
    const a = adapters[i];
    if (!a) return tf.zeros([N, w.shape[0]]); // [N, out_i]
    return tf.mul(matMul2d(matMul2d(x, tf.transpose(a.A)), tf.transpose(a.B)), a.scale); // [N, r] -> [N, out_i]
  });
  return tf.add(base, deltas.length === 1 ? deltas[0] : concatAxis(deltas, 1)) as tf.Tensor2D;
}

const transposed = new WeakMap<tf.Tensor, { dataIds: object[]; value: tf.Tensor2D }>();

/** concat(weights)^T, cached on the first weight; invalidated when any is reassigned (assign() swaps the dataId). */
function frozenTranspose(weights: tf.Tensor[]): tf.Tensor2D {
  const hit = transposed.get(weights[0]);
  const fresh = hit && !hit.value.isDisposed && hit.dataIds.length === weights.length && hit.dataIds.every((d, i) => d === weights[i].dataId);
  if (hit && fresh) return hit.value;
  hit?.value.dispose();
  const value = tf.keep(tf.tidy(() => tf.transpose(weights.length === 1 ? weights[0] : tf.concat(weights, 0)) as tf.Tensor2D)); // [in, sum(out)]
  transposed.set(weights[0], { dataIds: weights.map((w) => w.dataId), value });
  return value;
}

/** Frees the cached transposes of these weights (called when a model is disposed). */
export function releaseFrozen(weights: tf.Tensor[]): void {
  for (const w of weights) {
    transposed.get(w)?.value.dispose();
    transposed.delete(w);
  }
}

/** Below this many multiply-adds per head the batched kernel's call overhead wins over slicing. */
export const SLICE_MIN_MACS = 1 << 15;

/** Per-head products a @ b (or a @ b^T): [B, H, M, K] x [B, H, K, N] -> [B, H, M, N]. */
export function headMatMul(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor4D {
  const [B, H, M, K] = a.shape as [number, number, number, number];
  const N = (transposeB ? b.shape[2] : b.shape[3]) as number;
  if (tf.getBackend() !== 'wasm' || M * N * K < SLICE_MIN_MACS) return tf.matMul(a, b, false, transposeB);
  const bt = transposeB ? tf.transpose(b, [0, 1, 3, 2]) : b; // [B, H, K, N]
  const as = unstackRows(tf.reshape(a, [B * H, M, K])); // B*H x [M, K]
  const bs = unstackRows(tf.reshape(bt, [B * H, K, N])); // B*H x [K, N]
  return tf.reshape(stackRows(as.map((x, i) => matMul2d(x, bs[i]))), [B, H, M, N]);
}
