// The backend's practical ceiling: GFLOP/s of one large square float32 matmul (2·n³ FLOPs), the same
// 2D no-transpose product the model's layers use (model/matmul.ts). Not a peak-FLOPs claim for the chip.
import { tf } from '../runtime/tf.ts';
import { medianMs } from './timing.ts';

export interface MatmulCeiling {
  n: number;
  ms: number;
  gflops: number;
}

export async function measureMatmulCeiling(n: number, reps: number): Promise<MatmulCeiling> {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1) as tf.Tensor2D; // [n, n]
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2) as tf.Tensor2D; // [n, n]
  try {
    const ms = await medianMs(async () => {
      const c = tf.matMul(a, b); // [n, n]
      await c.data();
      c.dispose();
    }, reps, 2);
    return { n, ms, gflops: (2 * n ** 3) / (ms * 1e6) };
  } finally {
    tf.dispose([a, b]);
  }
}
