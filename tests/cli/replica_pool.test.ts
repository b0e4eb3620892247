import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicaPool } from '../../src/cli/replica_pool.ts';
import { resolveModelConfig } from '../../src/core/model/config.ts';
import { createModel, disposeModel } from '../../src/core/model/params.ts';
import { initBackend } from '../../src/core/runtime/backend.ts';
import { tf } from '../../src/core/runtime/tf.ts';
import { createRng } from '../../src/core/rng.ts';
import { resolveSftConfig } from '../../src/core/train/config.ts';
import { modelPolicy } from '../../src/core/train/policy.ts';
import { sftReplicaSpec } from '../../src/core/train/replica.ts';
import type { EncodedSample } from '../../src/core/train/sft_data.ts';
import { runSft } from '../../src/core/train/sft.ts';
import { renderConversation } from '../../src/core/data/chat_format.ts';
import { buildTokenizerConfig, trainDefaultTokenizer } from '../../src/core/tokenizer/default_tokenizer.ts';
import { loadTokenizer } from '../../src/core/tokenizer/tokenizer.ts';
import { resolveDpoConfig } from '../../src/core/train/dpo_config.ts';
import { runDpoJob, type DpoRecord } from '../../src/core/train/dpo_run.ts';

// Real worker threads, each its own single-threaded wasm runtime, against this runtime alone.
const modelConfig = resolveModelConfig('tiny');
const rng = createRng(7);
const data: EncodedSample[] = Array.from({ length: 6 }, (_, i) => {
  const ids = Array.from({ length: 8 + 4 * i }, () => 1 + rng.int(modelConfig.vocab_size - 1));
  return { ids, lossMask: ids.map((_, t) => (t >= 3 + i ? 1 : 0)) };
});
const config = resolveSftConfig({ steps: 4, lr: 3e-3, batchSize: 3, seqLen: 64, warmupSteps: 0, checkpointEvery: 0, seed: 4 });

async function train(workers: number): Promise<{ losses: number[]; weights: Float32Array[] }> {
  const model = createModel(modelConfig, 6);
  const run = { data, config, padTokenId: 0 };
  const pool = workers ? await startReplicaPool(await sftReplicaSpec(model, run), { workers, backend: 'wasm', threads: 1 }) : undefined;
  try {
    const result = await runSft({ ...run, policy: modelPolicy(model, config), modelFiles: async () => ({}), replicas: pool });
    return { losses: result.losses, weights: Object.values(model.params).map((v) => v.dataSync() as Float32Array) };
  } finally {
    await pool?.close();
    disposeModel(model);
  }
}

describe('data-parallel replicas in worker threads', () => {
  beforeAll(async () => {
    expect((await initBackend({ order: ['wasm'], threads: 1 })).backend).toBe('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('this thread and one worker give the losses and final weights of this thread alone (1e-4)', async () => {
    const one = await train(0);
    const two = await train(1);
    expect(one.losses[3]).not.toBe(one.losses[0]);
    one.losses.forEach((l, i) => expect(Math.abs(l - two.losses[i]), `loss of step ${i + 1}`).toBeLessThan(1e-4));
    let maxDiff = 0;
    one.weights.forEach((w, p) => w.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - two.weights[p][i])))));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('reports what each worker runs', async () => {
    const model = createModel(modelConfig, 6);
    const pool = await startReplicaPool(await sftReplicaSpec(model, { data, config, padTokenId: 0 }), { workers: 1, backend: 'wasm', threads: 1 });
    try {
      expect(pool.backends.map((b) => [b.backend, b.threads])).toEqual([['wasm', 1]]);
      expect(pool.description).toBe('1 worker thread, wasm 1 thread each');
    } finally {
      await pool.close();
      disposeModel(model);
    }
  });

  it('a worker that cannot build its replica fails the start, naming the replica and why', async () => {
    const model = createModel(modelConfig, 6);
    try {
      const spec = await sftReplicaSpec(model, { data, config, padTokenId: 0 });
      spec.weights = { ...spec.weights, 'not.a.weight': new Float32Array(3) };
      await expect(startReplicaPool(spec, { workers: 1, backend: 'wasm', threads: 1 }))
        .rejects.toThrow('data-parallel replica 1 (worker thread): replica: weight not.a.weight is not a parameter of this model config');
    } finally {
      disposeModel(model);
    }
  });

  it('a step that fails in a worker, or a worker that has stopped, rejects naming the replica', async () => {
    const model = createModel(modelConfig, 6);
    const spec = await sftReplicaSpec(model, { data, config, padTokenId: 0 });
    const pool = await startReplicaPool(spec, { workers: 1, backend: 'wasm', threads: 1 });
    try {
      const weights = spec.weights;
      await expect(pool.compute({ ...weights, 'not.a.weight': new Float32Array(1) }, [[[0]]], 0))
        .rejects.toThrow('data-parallel replica 1 (worker thread): replica: weight not.a.weight is not a parameter of this replica or has the wrong size');
      const [share] = await pool.compute(weights, [[[0, 1]]], 0); // the worker goes on after a failed request
      expect(share.weight).toBe(data[0].lossMask.slice(1).filter(Boolean).length + data[1].lossMask.slice(1).filter(Boolean).length);
    } finally {
      await pool.close();
      disposeModel(model);
    }
    await expect(pool.compute(spec.weights, [[[0]]], 0)).rejects.toThrow(/data-parallel replica 1 \(worker thread\): its worker thread exited \(code \d+\)/);
  });

  it('a full-weight DPO job over a worker (reference pass and steps shared) gives the losses and weights of one runtime (1e-4)', async () => {
    const cities = ['Oslo', 'Lima', 'Paris', 'Quito', 'Rome'];
    const records: DpoRecord[] = cities.map((c, i) => ({
      prompt: [{ role: 'user', content: `Weather in ${c}?` }],
      chosen: [{ role: 'assistant', content: `It is ${'cold '.repeat(1 + i)}in ${c}.` }],
      rejected: [{ role: 'assistant', content: 'Hot.' }],
      tools: [],
    }));
    const tokJson = trainDefaultTokenizer(records.map((r) => renderConversation([...r.prompt, ...r.chosen], [])), { vocabSize: 300 });
    const tokenizer = loadTokenizer(tokJson, buildTokenizerConfig(tokJson));
    const dpo = resolveDpoConfig({ steps: 3, batchSize: 5, lr: 1e-2, warmupSteps: 0, checkpointEvery: 0, seqLen: 128, beta: 0.5 });
    const run = async (workers: number): Promise<{ losses: number[]; weights: Float32Array[] }> => {
      const model = createModel(resolveModelConfig('tiny', { vocab_size: tokenizer.vocabSize }), 8);
      const losses: number[] = [];
      try {
        await runDpoJob({
          model, tokenizer, records, config: dpo, modelFiles: async () => ({}), hooks: { onStep: (m) => void losses.push(m.loss) },
          startReplicas: workers ? (spec) => startReplicaPool(spec, { workers, backend: 'wasm', threads: 1 }) : undefined,
        });
        return { losses, weights: Object.values(model.params).map((v) => v.dataSync() as Float32Array) };
      } finally {
        disposeModel(model);
      }
    };
    const one = await run(0);
    const two = await run(1);
    expect(one.losses).toHaveLength(3);
    expect(one.losses[2]).not.toBe(one.losses[0]);
    one.losses.forEach((l, i) => expect(Math.abs(l - two.losses[i]), `loss of step ${i + 1}`).toBeLessThan(1e-4));
    let maxDiff = 0;
    one.weights.forEach((w, p) => w.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - two.weights[p][i])))));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
