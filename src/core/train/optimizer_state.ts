// AdamW state as optimizer.safetensors: `<param>.exp_avg` / `<param>.exp_avg_sq` (PyTorch's names),
// with the update count in the metadata. Reading and writing bytes only; files are the caller's job.
import { tf } from '../runtime/tf.ts';
import { parseSafetensors, serializeSafetensors, type TensorToSave } from '../runtime/safetensors.ts';
import type { AdamW } from './optimizer.ts';

export const OPTIMIZER_FILE = 'optimizer.safetensors';

export async function serializeOptimizer(opt: AdamW): Promise<Uint8Array> {
  const tensors: Record<string, TensorToSave> = {};
  for (const [name, { expAvg, expAvgSq }] of Object.entries(opt.moments)) {
    tensors[`${name}.exp_avg`] = { shape: expAvg.shape, data: (await expAvg.data()) as Float32Array };
    tensors[`${name}.exp_avg_sq`] = { shape: expAvgSq.shape, data: (await expAvgSq.data()) as Float32Array };
  }
  return serializeSafetensors(tensors, { step: String(opt.step), format: 'adamw' });
}

/** Loads moments saved by serializeOptimizer into `opt` (same parameters, same shapes) and its step. */
export function restoreOptimizer(opt: AdamW, bytes: Uint8Array): void {
  const saved = parseSafetensors(bytes, OPTIMIZER_FILE);
  for (const [name, { expAvg, expAvgSq }] of Object.entries(opt.moments)) {
    for (const [suffix, v] of [['exp_avg', expAvg], ['exp_avg_sq', expAvgSq]] as const) {
      const t = saved[`${name}.${suffix}`];
      if (!t) throw new Error(`${OPTIMIZER_FILE}: missing ${name}.${suffix}`);
      if (t.shape.join(',') !== v.shape.join(',')) {
        throw new Error(`${OPTIMIZER_FILE}: ${name}.${suffix} has shape [${t.shape}], the parameter has [${v.shape}]`);
      }
      tf.tidy(() => v.assign(tf.tensor(t.data, v.shape, 'float32')));
    }
  }
  opt.step = readStep(bytes);
}

function readStep(bytes: Uint8Array): number {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as { __metadata__?: { step?: string } };
  const step = Number(header.__metadata__?.step);
  if (!Number.isInteger(step) || step < 0) throw new Error(`${OPTIMIZER_FILE}: metadata has no valid step`);
  return step;
}
