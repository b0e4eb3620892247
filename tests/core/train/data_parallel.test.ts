import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, disposeModel, type Model } from '../../../src/core/model/params.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { createRng } from '../../../src/core/rng.ts';
import { resolveSftConfig, type SftConfig } from '../../../src/core/train/config.ts';
import { checkReplicaCount, combineShares, planShares } from '../../../src/core/train/data_parallel.ts';
import { modelPolicy } from '../../../src/core/train/policy.ts';
import { dpoReplicaSpec, inProcessReplicas, replicasWhereTheyApply, sftReplicaSpec } from '../../../src/core/train/replica.ts';
import { runDpo, type DpoStepMetrics } from '../../../src/core/train/dpo.ts';
import { resolveDpoConfig, type DpoConfig } from '../../../src/core/train/dpo_config.ts';
import { commonPrefix, type EncodedPair } from '../../../src/core/train/dpo_data.ts';
import { computeReferenceLogps, computeReferenceOverReplicas } from '../../../src/core/train/reference.ts';
import type { EncodedSample } from '../../../src/core/train/sft_data.ts';
import { runSft } from '../../../src/core/train/sft.ts';

describe('planShares', () => {
  it('cuts a micro-batch into consecutive parts, the first ones longer', () => {
    expect(planShares([[0, 1, 2, 3, 4]], 2, true)).toEqual([[[0, 1, 2]], [[3, 4]]]);
    expect(planShares([[5, 6, 7], [8, 9, 10]], 3, true)).toEqual([[[5], [8]], [[6], [9]], [[7], [10]]]);
  });

  it('cuts by padded length when items have one: a long item alone, the short ones together', () => {
    const len = [10, 10, 100, 10, 10, 10, 50, 50, 10, 30];
    expect(planShares([[0, 1, 2, 3, 4, 5], [6, 7], [8, 9]], 2, true, (i) => len[i])).toEqual([[[0, 1, 3, 4, 5], [6], [8]], [[2], [7], [9]]]);
  });

  it('gives whole micro-batches when they divide evenly', () => {
    expect(planShares([[0, 1], [2, 3], [4, 5], [6, 7]], 2, false)).toEqual([[[0, 1], [2, 3]], [[4, 5], [6, 7]]]);
    expect(planShares([[0, 1]], 1, false)).toEqual([[[0, 1]]]);
  });

  it('refuses counts that leave a replica idle or cannot stay exact, saying why', () => {
    expect(() => checkReplicaCount(3, 2, 1, true)).toThrow('3 data-parallel replicas need at least 3 items per micro-batch (batchSize 2) or gradAccumSteps a multiple of 3 (got 1)');
    expect(() => planShares([[0, 1, 2, 3]], 2, false)).toThrow('2 data-parallel replicas need gradAccumSteps to be a multiple of 2 (got 1): this loss normalises over its whole micro-batch');
    expect(() => checkReplicaCount(0, 8, 1, true)).toThrow('data-parallel replicas must be an integer from 1 to 64, got 0');
    expect(() => checkReplicaCount(1.5, 8, 1, true)).toThrow('got 1.5');
    expect(() => checkReplicaCount(2, 1, 4, true)).not.toThrow();
  });
});

describe('replicasWhereTheyApply', () => {
  it('gives the host\'s replicas to a stage they can share, else logs why the stage trains alone', () => {
    const start = async () => { throw new Error('not started in this test'); };
    const host = { replicas: 2, start };
    const lines: string[] = [];
    const log = (l: string): void => void lines.push(l);
    expect(replicasWhereTheyApply(host, 'sft', { batchSize: 4, gradAccumSteps: 1 }, true, log)).toBe(start);
    expect(replicasWhereTheyApply(undefined, 'sft', { batchSize: 4, gradAccumSteps: 1 }, true, log)).toBeUndefined();
    expect(replicasWhereTheyApply(host, 'dpo/token', { batchSize: 4, gradAccumSteps: 1, adapter: 'lora' }, true, log)).toBeUndefined();
    expect(replicasWhereTheyApply(host, 'sft', { batchSize: 1, gradAccumSteps: 1 }, true, log)).toBeUndefined();
    expect(lines).toEqual([
      'dpo/token: one replica (LoRA trains in one replica)',
      'sft: one replica (2 data-parallel replicas need at least 2 items per micro-batch (batchSize 1) or gradAccumSteps a multiple of 2 (got 1): a replica would have nothing to compute)',
    ]);
  });
});

describe('combineShares', () => {
  it('divides the summed weighted losses and gradients by the total weight (worked by hand)', () => {
    // Replica 0: 3 tokens of mean loss 2 (sum 6); replica 1: 1 token of loss 4. Mean over 4 tokens: 10 / 4.
    const c = combineShares([
      { weightedLoss: 6, weight: 3, tokens: 5, grads: { w: Float32Array.from([3, -1]) } },
      { weightedLoss: 4, weight: 1, tokens: 2, grads: { w: Float32Array.from([1, 5]) } },
    ]);
    expect(c.loss).toBe(2.5);
    expect(c.tokens).toBe(7);
    expect(Array.from(c.grads.w)).toEqual([1, 1]);
  });

  it('refuses shares without weight or with a missing gradient', () => {
    expect(() => combineShares([{ weightedLoss: 0, weight: 0, tokens: 1, grads: {} }])).toThrow('share weights must sum to > 0, got 0');
    expect(() => combineShares([
      { weightedLoss: 1, weight: 1, tokens: 1, grads: { w: new Float32Array(2) } },
      { weightedLoss: 1, weight: 1, tokens: 1, grads: {} },
    ])).toThrow('replica 1 sent no gradient of w');
  });
});

// The real transformer ("tiny" preset) on samples of different lengths and loss-mask sizes, so the token
// weighting and the padding of cut batches both matter.
describe('data-parallel SFT on the tiny transformer (in-process replicas)', () => {
  const modelConfig = resolveModelConfig('tiny');
  const rng = createRng(5);
  const data: EncodedSample[] = Array.from({ length: 8 }, (_, i) => {
    const ids = Array.from({ length: 6 + 3 * i }, () => 1 + rng.int(modelConfig.vocab_size - 1));
    return { ids, lossMask: ids.map((_, t) => (t >= 2 + i ? 1 : 0)) };
  });

  beforeAll(async () => {
    expect((await initBackend({ order: ['wasm'] })).backend).toBe('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  async function train(overrides: Partial<SftConfig>, remotes: number, localShare = true): Promise<{ losses: number[]; weights: Float32Array[]; model: Model }> {
    const model = createModel(modelConfig, 2);
    const config = resolveSftConfig({ steps: 4, lr: 3e-3, batchSize: 4, seqLen: 64, warmupSteps: 0, checkpointEvery: 0, seed: 3, ...overrides });
    const run = { data, config, padTokenId: 0 };
    const replicas = remotes ? inProcessReplicas(await sftReplicaSpec(model, run), remotes, localShare) : undefined;
    try {
      const result = await runSft({ ...run, policy: modelPolicy(model, config), modelFiles: async () => ({}), replicas });
      return { losses: result.losses, weights: Object.values(model.params).map((v) => v.dataSync() as Float32Array), model };
    } finally {
      replicas?.dispose();
      disposeModel(model);
    }
  }

  function expectSame(a: { losses: number[]; weights: Float32Array[] }, b: { losses: number[]; weights: Float32Array[] }): void {
    a.losses.forEach((l, i) => expect(Math.abs(l - b.losses[i]), `loss of step ${i + 1}`).toBeLessThan(1e-4));
    let maxDiff = 0;
    a.weights.forEach((w, p) => w.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - b.weights[p][i])))));
    expect(maxDiff).toBeLessThan(1e-4);
  }

  it('2 and 3 replicas sharing each batch give the losses and final weights of one (1e-4)', async () => {
    const one = await train({}, 0);
    expect(one.losses[3]).not.toBe(one.losses[0]);
    expectSame(await train({}, 1), one);
    expectSame(await train({}, 2), one);
  });

  it('2 remote replicas computing every share while this runtime only updates give the same (1e-4)', async () => {
    expectSame(await train({}, 2, false), await train({}, 0));
  });

  it('2 replicas taking whole accumulated micro-batches give the losses and weights of one (1e-4)', async () => {
    const cfg = { batchSize: 2, gradAccumSteps: 2, maxGradNorm: 0.5 };
    expectSame(await train(cfg, 1), await train(cfg, 0));
  });

  it('leaves no tensor behind', async () => {
    await train({ steps: 1 }, 1);
    const before = tf.memory().numTensors;
    await train({ steps: 3 }, 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// Full-weight DPO: pairs of different prompt and completion lengths, reference log-probs from the start model.
describe('data-parallel DPO on the tiny transformer (in-process replicas)', () => {
  const modelConfig = resolveModelConfig('tiny');
  const rng = createRng(11);
  const ids = (k: number): number[] => Array.from({ length: k }, () => 1 + rng.int(modelConfig.vocab_size - 1));
  const pairs: EncodedPair[] = Array.from({ length: 8 }, (_, i) => {
    const chosen = [7, ...ids(2 + (i % 4))];
    const rejected = [7, ...ids(1 + ((i * 3) % 5))];
    rejected[1] = chosen[1] === 5 ? 6 : 5;
    return { prompt: ids(3 + (i % 5)), chosen, rejected, sharedPrefix: commonPrefix(chosen, rejected), scoreMargin: 0.25 + i / 10 };
  });

  beforeAll(async () => {
    expect((await initBackend({ order: ['wasm'] })).backend).toBe('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  async function train(overrides: Partial<DpoConfig>, remotes: number): Promise<{ metrics: DpoStepMetrics[]; weights: Float32Array[] }> {
    const model = createModel(modelConfig, 4);
    const config = resolveDpoConfig({ lr: 1e-2, warmupSteps: 0, steps: 3, batchSize: 4, checkpointEvery: 0, beta: 0.5, seed: 2, rpoAlpha: 0.3, ...overrides });
    const data = structuredClone(pairs);
    await computeReferenceLogps(model, data, { batchSize: 3, padTokenId: 0 });
    const replicas = remotes ? inProcessReplicas(await dpoReplicaSpec(model, { data, config, padTokenId: 0, checkpointing: false }), remotes) : undefined;
    const metrics: DpoStepMetrics[] = [];
    try {
      await runDpo({ policy: { params: model.params, model: () => model }, data, config, padTokenId: 0, modelFiles: async () => ({}), replicas, hooks: { onStep: (m) => void metrics.push(m) } });
      return { metrics, weights: Object.values(model.params).map((v) => v.dataSync() as Float32Array) };
    } finally {
      replicas?.dispose();
      disposeModel(model);
    }
  }

  function expectSame(a: { metrics: DpoStepMetrics[]; weights: Float32Array[] }, b: { metrics: DpoStepMetrics[]; weights: Float32Array[] }): void {
    a.metrics.forEach((m, i) => {
      expect(Math.abs(m.loss - b.metrics[i].loss), `loss of step ${i + 1}`).toBeLessThan(1e-4);
      expect(Math.abs(m['rewards/margins'] - b.metrics[i]['rewards/margins']), `margin of step ${i + 1}`).toBeLessThan(1e-4);
      expect(m['rewards/accuracies']).toBe(b.metrics[i]['rewards/accuracies']);
    });
    let maxDiff = 0;
    a.weights.forEach((w, p) => w.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - b.weights[p][i])))));
    expect(maxDiff).toBeLessThan(1e-4);
  }

  it('reference log-probs shared over 3 replicas equal those computed here, and every replica gets all of them', async () => {
    const model = createModel(modelConfig, 4);
    const config = resolveDpoConfig({ batchSize: 4 });
    try {
      const here = structuredClone(pairs);
      await computeReferenceLogps(model, here, { batchSize: 3, padTokenId: 0 });
      const shared = structuredClone(pairs);
      const spec = await dpoReplicaSpec(model, { data: structuredClone(pairs), config, padTokenId: 0, checkpointing: false });
      const replicas = inProcessReplicas(spec, 2);
      let done = 0;
      await computeReferenceOverReplicas(model, shared, replicas, { batchSize: 3, padTokenId: 0, onProgress: (d) => void (done = d) });
      replicas.dispose();
      expect(done).toBe(pairs.length);
      shared.forEach((p, i) => {
        p.refChosen!.forEach((x, t) => expect(Math.abs(x - here[i].refChosen![t]), `pair ${i} chosen ${t}`).toBeLessThan(1e-5));
        p.refRejected!.forEach((x, t) => expect(Math.abs(x - here[i].refRejected![t]), `pair ${i} rejected ${t}`).toBeLessThan(1e-5));
        expect(spec.data[i].refChosen).toEqual(p.refChosen);
      });
    } finally {
      disposeModel(model);
    }
  });

  it('2 replicas sharing each pair batch give the losses, metrics and final weights of one (1e-4)', async () => {
    const one = await train({}, 0);
    expect(one.metrics[2].loss).not.toBe(one.metrics[0].loss);
    expectSame(await train({}, 1), one);
  });

  it('a pair warm-up reaches the replicas: each step\'s ramp is the same as in one runtime (1e-4)', async () => {
    const ramped = await train({ pairWarmupSteps: 2 }, 0);
    expect(Math.abs(ramped.metrics[1].loss - (await train({}, 0)).metrics[1].loss)).toBeGreaterThan(1e-3);
    expect(ramped.metrics[0].loss).toBe(0); // step 1: the pairs' loss times 0, no anchor
    expectSame(await train({ pairWarmupSteps: 2 }, 1), ramped);
  });

  it('ESM weighted by the batch margin shares whole micro-batches only: exact with gradAccumSteps 2, refused with 1', async () => {
    const cfg = { lossType: 'esm' as const, esmMode: 'weight' as const, batchSize: 2, gradAccumSteps: 2 };
    expectSame(await train(cfg, 1), await train(cfg, 0));
    await expect(train({ ...cfg, gradAccumSteps: 1 }, 1)).rejects.toThrow('2 data-parallel replicas need gradAccumSteps to be a multiple of 2 (got 1)');
  });
});
