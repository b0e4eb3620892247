import { afterAll, describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, disposeModel } from '../../../src/core/model/params.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { createRng } from '../../../src/core/rng.ts';
import { resolveSftConfig, type SftConfig } from '../../../src/core/train/config.ts';
import { modelPolicy } from '../../../src/core/train/policy.ts';
import type { EncodedSample } from '../../../src/core/train/sft_data.ts';
import { runSft } from '../../../src/core/train/sft.ts';

// The real transformer (the "tiny" preset) through the trainer: what the stand-in cannot show.
const modelConfig = resolveModelConfig('tiny');
const rng = createRng(3);
const data: EncodedSample[] = Array.from({ length: 4 }, (_, i) => {
  const ids = Array.from({ length: 10 + 2 * i }, () => 1 + rng.int(modelConfig.vocab_size - 1));
  return { ids, lossMask: ids.map((_, t) => (t >= 4 ? 1 : 0)) };
});

async function train(config: Partial<SftConfig>, onStep?: () => void): Promise<number[]> {
  const model = createModel(modelConfig, 1);
  try {
    const cfg = resolveSftConfig({ batchSize: 4, seqLen: 32, warmupSteps: 0, checkpointEvery: 0, seed: 1, ...config });
    return (await runSft({ policy: modelPolicy(model, cfg), data, config: cfg, padTokenId: 0, modelFiles: async () => ({}), hooks: { onStep } })).losses;
  } finally {
    disposeModel(model);
  }
}

describe('SFT on the tiny transformer', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('overfits one batch of random sequences', async () => {
    await initBackend({ order: ['wasm', 'cpu'] });
    const counts: number[] = [];
    const losses = await train({ steps: 40, lr: 1e-2 }, () => void counts.push(tf.memory().numTensors));
    expect(losses[0]).toBeGreaterThan(3.5); // ~ln 64 at init
    expect(losses[39]).toBeLessThan(0.3 * losses[0]);
    expect(new Set(counts.slice(1)).size).toBe(1); // no tensor leak per step
  });

  it('accumulating 2 micro-batches of 2 equals batches of 4, padding included (1e-5)', async () => {
    await initBackend({ order: ['cpu'] });
    const joint = await train({ steps: 3, lr: 3e-3, batchSize: 4 });
    const split = await train({ steps: 3, lr: 3e-3, batchSize: 2, gradAccumSteps: 2 });
    split.forEach((l, i) => expect(Math.abs(l - joint[i]), `step ${i + 1}`).toBeLessThan(1e-5));
  });

  it('gives the same losses with gradient checkpointing (1e-5)', async () => {
    expect((await initBackend({ order: ['wasm'] })).backend).toBe('wasm');
    const plain = await train({ steps: 4, lr: 3e-3, batchSize: 2, gradientCheckpointing: 'off' });
    const recomputed = await train({ steps: 4, lr: 3e-3, batchSize: 2, gradientCheckpointing: 'on' });
    recomputed.forEach((l, i) => expect(Math.abs(l - plain[i]), `step ${i + 1}`).toBeLessThan(1e-5));
    expect(plain[3]).not.toBe(plain[0]);
  });

  it('gives the same losses on wasm and cpu (1e-3)', async () => {
    expect((await initBackend({ order: ['wasm'] })).backend).toBe('wasm');
    const wasm = await train({ steps: 4, lr: 3e-3, batchSize: 2, gradAccumSteps: 2 });
    expect((await initBackend({ order: ['cpu'] })).backend).toBe('cpu');
    const cpu = await train({ steps: 4, lr: 3e-3, batchSize: 2, gradAccumSteps: 2 });
    expect(wasm).toHaveLength(4);
    wasm.forEach((l, i) => expect(Math.abs(l - cpu[i]), `step ${i + 1}`).toBeLessThan(1e-3));
    expect(wasm[3]).not.toBe(wasm[0]); // the steps did train
  });
});
