import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { parseSafetensors, serializeSafetensors } from '../../../src/core/runtime/safetensors.ts';
import { resolveSftConfig, type SftConfig } from '../../../src/core/train/config.ts';
import { OPTIMIZER_FILE } from '../../../src/core/train/optimizer_state.ts';
import type { EncodedSample } from '../../../src/core/train/sft_data.ts';
import { runSft, type TrainablePolicy } from '../../../src/core/train/sft.ts';
import { TRAINER_STATE_FILE, TrainingStoppedError, type StepMetrics, type TrainerState, type TrainHooks } from '../../../src/core/train/trainer.ts';
import { paramValues, tinyPolicy } from './tiny_policy.ts';

const V = 12;
const data: EncodedSample[] = [
  { ids: [1, 2, 3, 4, 5, 6], lossMask: [0, 0, 1, 1, 1, 1] },
  { ids: [7, 8, 9, 10], lossMask: [0, 1, 1, 1] },
  { ids: [2, 4, 6, 8, 10, 11, 3], lossMask: [0, 0, 0, 1, 1, 1, 1] },
  { ids: [11, 9, 7, 5], lossMask: [1, 1, 1, 1] },
  { ids: [3, 6, 9], lossMask: [0, 1, 1] },
];
const base = { lr: 0.02, warmupSteps: 2, batchSize: 2, seqLen: 16, checkpointEvery: 0, seed: 7 };

async function modelFiles(policy: TrainablePolicy): Promise<Record<string, Uint8Array>> {
  const tensors = Object.fromEntries(await Promise.all(Object.entries(policy.params).map(async ([k, v]) => [k, { shape: v.shape, data: (await v.data()) as Float32Array }] as const)));
  return { 'model.safetensors': serializeSafetensors(tensors) };
}

/** In-memory checkpoint store standing in for a folder. */
function memoryStore(): { dirs: Map<string, Record<string, Uint8Array>>; save: NonNullable<TrainHooks['saveCheckpoint']> } {
  const dirs = new Map<string, Record<string, Uint8Array>>();
  return { dirs, save: async (name, files) => (dirs.set(name, files), `mem/${name}`) };
}

function run(config: Partial<SftConfig>, hooks: TrainHooks, policy = tinyPolicy(V, 8, 11), resume?: Parameters<typeof runSft>[0]['resume'], samples = data) {
  return { policy, result: runSft({ policy, data: samples, config: resolveSftConfig({ ...base, ...config }), padTokenId: 0, modelFiles: () => modelFiles(policy), hooks, resume }) };
}

describe('runTrainer with SFT', () => {
  it('overfits one batch: loss falls well below its initial value', async () => {
    // the stand-in has no context, so the batch uses sequences whose next token the current one decides
    const { policy, result } = run({ steps: 60, batchSize: 2, lr: 0.05, warmupSteps: 5, maxGradNorm: 1 }, {}, undefined, undefined, data.slice(0, 2));
    const { losses } = await result;
    policy.dispose();
    expect(losses).toHaveLength(60);
    expect(losses[59]).toBeLessThan(0.1 * losses[0]);
  });

  it('keeps tf.memory().numTensors flat across 20 steps and reports metrics', async () => {
    const counts: number[] = [];
    const metrics: StepMetrics[] = [];
    const { policy, result } = run({ steps: 20, gradAccumSteps: 2 }, {
      onStep: (m) => {
        counts.push(tf.memory().numTensors);
        metrics.push(m);
      },
    });
    await result;
    policy.dispose();
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const m = metrics[19];
    expect(Object.keys(m).sort()).toEqual(['epoch', 'grad_norm', 'loss', 'lr', 'step', 'step_ms', 'tokens_per_sec']);
    expect(m.epoch).toBeCloseTo((20 * 2 * 2) / data.length, 9); // 80 sequences read of 5 per epoch
    expect(m.tokens_per_sec).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('resumes with identical losses: 6 steps straight equal 3 + save + load + 3 (1e-6)', async () => {
    const cfg = { steps: 6, gradAccumSteps: 2, checkpointEvery: 0 };
    const straight = run(cfg, {});
    const all = (await straight.result).losses;
    straight.policy.dispose();

    const store = memoryStore();
    let done = 0;
    const first = run(cfg, { saveCheckpoint: store.save, onStep: () => void done++, shouldStop: () => done >= 3 });
    const r1 = await first.result;
    first.policy.dispose();
    expect(r1.stopped).toBe(true);
    expect(r1.lastCheckpoint).toBe('mem/checkpoint-3');

    const files = store.dirs.get('checkpoint-3')!;
    const state = JSON.parse(new TextDecoder().decode(files[TRAINER_STATE_FILE])) as TrainerState;
    expect(state).toMatchObject({ step: 3, config: { steps: 6, seed: 7 } });
    const policy = tinyPolicy(V, 8, 999); // different init: everything must come from the checkpoint
    const saved = parseSafetensors(files['model.safetensors']);
    for (const [k, v] of Object.entries(policy.params)) v.assign(tf.tensor(saved[k].data, v.shape));
    const second = run(cfg, {}, policy, { state, optimizer: files[OPTIMIZER_FILE], checkpoint: 'mem/checkpoint-3' });
    const r2 = await second.result;
    policy.dispose();
    const resumed = [...r1.losses, ...r2.losses];
    expect(resumed).toHaveLength(6);
    resumed.forEach((l, i) => expect(Math.abs(l - all[i]), `step ${i + 1}`).toBeLessThan(1e-6));
    expect(r2.state.step).toBe(6);
  });

  it('stops on a NaN loss naming the step and the last good checkpoint, which it keeps', async () => {
    const store = memoryStore();
    const inner = tinyPolicy(V, 8, 5);
    let steps = 0;
    const poisoned: TrainablePolicy = {
      params: inner.params,
      tokenLogProbs: (a, b, c) => tf.tidy(() => tf.mul(inner.tokenLogProbs(a, b, c), steps >= 4 ? Number.NaN : 1)),
    };
    const { result } = run({ steps: 10, checkpointEvery: 2 }, { saveCheckpoint: store.save, onStep: () => void steps++ }, poisoned as ReturnType<typeof tinyPolicy>);
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingStoppedError);
    expect((err as Error).message).toBe('step 5: loss is NaN; stopped, last good checkpoint is mem/checkpoint-4');
    expect([...store.dirs.keys()]).toEqual(['checkpoint-2', 'checkpoint-4']);
    // the failed step changed nothing: the weights are the ones checkpoint-4 holds
    const saved = parseSafetensors(store.dirs.get('checkpoint-4')!['model.safetensors']);
    const now = paramValues(inner.params);
    for (const k of Object.keys(now)) expect(now[k]).toEqual(Array.from(saved[k].data));
    inner.dispose();
  });

  it('stops when the weights run away and never saves a checkpoint of them', async () => {
    const store = memoryStore();
    const policy = tinyPolicy(V, 8, 5);
    const { result } = run({ steps: 10, checkpointEvery: 1, lr: 1e6, warmupSteps: 0, maxGradNorm: 0 }, { saveCheckpoint: store.save }, policy);
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingStoppedError);
    expect((err as Error).message).toMatch(/^step 1: weight norm .* is over 20x its starting value .*; stopped, last good checkpoint is none/);
    expect([...store.dirs.keys()]).toEqual([]);
    policy.dispose();
  });
});
