// A run's data-parallel replicas in the engine API, driven in Node: the `replicas` setting of the SFT and DPO
// stages (checked as core checks it, LoRA refused), and runs over replicas that train as the engine alone does.
// The replicas here are core's in-process ones; real Web Workers are tests/browser/replicas.test.ts.
import { describe, expect, test } from 'vitest';
import { inProcessReplicas } from '../../src/core/train/replica.ts';
import { createEngineApi } from '../../workers/engine_api.ts';
import type { StartReplicaWorkers } from '../../workers/train_run.ts';
import { tinyPairs, tinySamples } from './fixtures.ts';

const inProcess: StartReplicaWorkers = async (spec, o) => {
  const r = inProcessReplicas(spec, o.workers, o.localShare);
  return { ...r, backends: [], close: async () => r.dispose() };
};

describe('the replicas setting', () => {
  test('defaults to 1 and is refused, naming the field and why, where core cannot share the batches', async () => {
    const api = createEngineApi();
    expect(await api.resolveConfig('sft', {})).toMatchObject({ replicas: 1 });
    expect(await api.resolveConfig('dpo', {})).toMatchObject({ replicas: 1 });
    expect(await api.resolveConfig('sft', { replicas: 2, batchSize: 2 })).toMatchObject({ replicas: 2, batchSize: 2 });
    await expect(api.resolveConfig('sft', { replicas: 0 })).rejects.toThrow('sft.replicas must be an integer >= 1, got 0');
    await expect(api.resolveConfig('sft', { replicas: 3, batchSize: 2 })).rejects.toThrow('sft.replicas: 3 data-parallel replicas need at least 3 items per micro-batch (batchSize 2)');
    await expect(api.resolveConfig('dpo', { replicas: 2, adapter: 'lora' })).rejects.toThrow('dpo.replicas 2: data-parallel replicas train full weights; LoRA (adapter "lora") trains in one replica');
    // ESM in weight mode normalises over its whole micro-batch: 3 replicas would cut the demo's 2 micro-batches.
    await expect(api.resolveConfig('dpo', { replicas: 3, lossType: 'esm', esmMode: 'weight' }))
      .rejects.toThrow('dpo.replicas: 3 data-parallel replicas need gradAccumSteps to be a multiple of 3 (got 2): this loss normalises over its whole micro-batch');
    expect(await api.resolveConfig('dpo', { replicas: 2, lossType: 'esm', esmMode: 'weight' })).toMatchObject({ replicas: 2 });
  });

  test('an engine started without worker support refuses replicas > 1 before training', async () => {
    const api = createEngineApi();
    await api.init({ order: ['cpu'] });
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 1 });
    await expect(api.runSft({ runId: 'r', config: { steps: 1, batchSize: 2, replicas: 2 }, samples: tinySamples() }))
      .rejects.toThrow('2 data-parallel replicas need worker support, which this engine was started without');
  });
});

describe('runs over replicas', () => {
  const train = async (stage: 'sft' | 'dpo', replicas: number) => {
    const api = createEngineApi({ startReplicas: inProcess });
    await api.init({ order: ['cpu'] });
    await api.loadModel({ kind: 'preset', preset: 'tiny', seed: 3 });
    const common = { steps: 3, batchSize: 3, warmupSteps: 0, lr: 3e-2, checkpointEvery: 0, replicas };
    return stage === 'sft'
      ? api.runSft({ runId: 'sft', config: { ...common, seqLen: 256 }, samples: tinySamples() })
      : api.runDpo({ runId: 'dpo', config: { ...common, gradAccumSteps: 1, seqLen: 128, beta: 0.5 }, pairs: tinyPairs() });
  };

  for (const stage of ['sft', 'dpo'] as const) {
    test(`${stage}: 2 replicas (the engine only combining) give the losses of the engine alone (1e-4) and the run says so`, async () => {
      const one = await train(stage, 1);
      const two = await train(stage, 2);
      expect(one.losses).toHaveLength(3);
      expect(one.losses[2]).not.toBe(one.losses[0]);
      one.losses.forEach((l, i) => expect(Math.abs(l - two.losses[i]), `loss of step ${i + 1}`).toBeLessThan(1e-4));
      expect(one.config.replicas).toBe(1);
      expect(one.notes.join(' ')).not.toMatch(/replicas/);
      expect(two.config.replicas).toBe(2);
      expect(two.notes).toContain('2 data-parallel replicas (2 in-process replicas); the engine worker summed their gradients and applied each update');
    });
  }
});
