// Matrix products shaped for the wasm backend's one fast path: XNNPACK runs only 2D (batch 1)
// products without transpose flags; transposed or batched ones fall to a scalar loop ~10x slower
// (tfjs-backend-wasm src/cc/batch_mat_mul_impl.cc). Gradients are written to stay on that path.
import { tf } from '../runtime/tf.ts';

/** a @ b for 2D tensors, forward and backward without transpose flags: [M, K] x [K, N] -> [M, N]. */
export const matMul2d = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b), // [M, N]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), // [M, K]
        tf.matMul(tf.transpose(sa), dy as tf.Tensor2D), // [K, N]
      ];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

/**
 * nn.Linear with HF's weight layout [out, in]: x [N, in] -> [N, out]. With `frozen` (inference: no
 * gradient needed) the transposed weight is cached until the weight changes, so XNNPACK also keeps
 * its packed copy across decode steps instead of re-transposing and re-packing every token.
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor, frozen = false): tf.Tensor2D {
  const y: tf.Tensor2D = frozen ? tf.matMul(x as tf.Tensor2D, frozenTranspose(weight)) : matMul2d(x, tf.transpose(weight)); // [N, out]
  return bias ? (tf.add(y, bias) as tf.Tensor2D) : y;
}

const transposed = new WeakMap<tf.Tensor, { dataId: object; value: tf.Tensor2D }>();

/** weight^T, cached per weight and invalidated when it is reassigned (assign() swaps the dataId). */
function frozenTranspose(weight: tf.Tensor): tf.Tensor2D {
  const hit = transposed.get(weight);
  if (hit && hit.dataId === weight.dataId && !hit.value.isDisposed) return hit.value;
  hit?.value.dispose();
  const value = tf.keep(tf.transpose(weight as tf.Tensor2D)); // [in, out]
  transposed.set(weight, { dataId: weight.dataId, value });
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
const SLICE_MIN_MACS = 1 << 15;

/** Per-head products a @ b (or a @ b^T): [B, H, M, K] x [B, H, K, N] -> [B, H, M, N]. */
export function headMatMul(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor4D {
  const [B, H, M, K] = a.shape as [number, number, number, number];
  const N = (transposeB ? b.shape[2] : b.shape[3]) as number;
  if (tf.getBackend() !== 'wasm' || M * N * K < SLICE_MIN_MACS) return tf.matMul(a, b, false, transposeB);
  const bt = transposeB ? tf.transpose(b, [0, 1, 3, 2]) : b; // [B, H, K, N]
  const as = tf.unstack(tf.reshape(a, [B * H, M, K])); // B*H x [M, K]
  const bs = tf.unstack(tf.reshape(bt, [B * H, K, N])); // B*H x [K, N]
  return tf.reshape(tf.stack(as.map((x, i) => matMul2d(x, bs[i]))), [B, H, M, N]);
}
