import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, disposeModel, type Model } from '../../../src/core/model/params.ts';
import { tokenLogProbs } from '../../../src/core/model/logprobs.ts';
import { createRng } from '../../../src/core/rng.ts';
import { runDpo, type DpoStepMetrics } from '../../../src/core/train/dpo.ts';
import { resolveDpoConfig, type DpoConfig } from '../../../src/core/train/dpo_config.ts';
import { commonPrefix, type EncodedPair } from '../../../src/core/train/dpo_data.ts';
import { computeReferenceLogps, referenceSums } from '../../../src/core/train/reference.ts';
import { adaptedModel, createLora, disposeLora, loraParams } from '../../../src/core/train/lora.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { TrainingStoppedError, type ResumeFrom, type TrainerState } from '../../../src/core/train/trainer.ts';
import type { DpoPolicy } from '../../../src/core/train/dpo.ts';

const PAD = 0;

/** Seeded pairs over a 64-token vocabulary: random prompts, completions sharing a random prefix. */
function makePairs(n: number, seed: number): EncodedPair[] {
  const rng = createRng(seed);
  const ids = (k: number): number[] => Array.from({ length: k }, () => 1 + rng.int(63));
  return Array.from({ length: n }, () => {
    const prefix = ids(rng.int(3));
    const chosen = [...prefix, ...ids(2 + rng.int(4))];
    const rejected = [...prefix, ...ids(2 + rng.int(4))];
    if (rejected[prefix.length] === chosen[prefix.length]) rejected[prefix.length] = 1 + (chosen[prefix.length] % 63);
    return { prompt: ids(3 + rng.int(5)), chosen, rejected, sharedPrefix: commonPrefix(chosen, rejected), scoreMargin: 0.5 };
  });
}

const policyOf = (m: Model): DpoPolicy => ({ params: m.params, model: () => m });

const cfgOf = (o: Partial<DpoConfig> = {}): DpoConfig =>
  resolveDpoConfig({ lr: 1e-2, warmupSteps: 0, steps: 4, batchSize: 4, checkpointEvery: 0, beta: 0.5, ...o });

async function withRefs(m: Model, pairs: EncodedPair[]): Promise<EncodedPair[]> {
  await computeReferenceLogps(m, pairs, { batchSize: 3, padTokenId: PAD });
  return pairs;
}

/** Summed policy log-ratio chosen minus rejected over all pairs (what DPO should raise). */
function logRatioGap(m: Model, pairs: EncodedPair[]): number {
  let gap = 0;
  for (const p of pairs) {
    const row = (c: number[]): number => tf.tidy(() => {
      const seq = [...p.prompt, ...c];
      const x = tf.tensor2d([seq.slice(0, -1)], undefined, 'int32');
      const y = tf.tensor2d([seq.slice(1)], undefined, 'int32');
      const lp = Array.from(tokenLogProbs(m, x, y).dataSync());
      return lp.slice(p.prompt.length - 1).reduce((a, b) => a + b, 0);
    });
    const ref = referenceSums(p);
    gap += (row(p.chosen) - ref.chosen) - (row(p.rejected) - ref.rejected);
  }
  return gap;
}

describe('runDpo', () => {
  it.each(['tiny', 'tiny-gpt2', 'tiny-qwen2'])('reference log-probs (prompt run once, padded batches) equal unbatched full-sequence log-probs on %s', async (preset) => {
    const m = createModel(resolveModelConfig(preset), 3);
    const pairs = await withRefs(m, makePairs(5, 1));
    for (const p of pairs) {
      const full = (c: number[]): number[] => tf.tidy(() => {
        const seq = [...p.prompt, ...c];
        const lp = tokenLogProbs(m, tf.tensor2d([seq.slice(0, -1)], undefined, 'int32'), tf.tensor2d([seq.slice(1)], undefined, 'int32'));
        return Array.from(lp.dataSync()).slice(p.prompt.length - 1);
      });
      const want = [...full(p.chosen), ...full(p.rejected)];
      const got = [...p.refChosen!, ...p.refRejected!];
      expect(got.length).toBe(want.length);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    }
    disposeModel(m);
  });

  it('step 0 with policy = reference gives loss ln 2 and zero rewards, and one step raises the log-ratio gap', async () => {
    const m = createModel(resolveModelConfig('tiny'), 3);
    const pairs = await withRefs(m, makePairs(4, 2));
    const metrics: DpoStepMetrics[] = [];
    await runDpo({ policy: policyOf(m), data: pairs, config: cfgOf({ steps: 1 }), padTokenId: PAD,
      modelFiles: async () => ({}), hooks: { onStep: (x) => { metrics.push(x); } } });
    expect(metrics[0].loss).toBeCloseTo(Math.LN2, 5);
    expect(metrics[0]['rewards/chosen']).toBeCloseTo(0, 5);
    expect(metrics[0]['rewards/margins']).toBeCloseTo(0, 5);
    expect(metrics[0].kl).toBeCloseTo(0, 5);
    expect(metrics[0].grad_norm).toBeGreaterThan(0);
    expect(logRatioGap(m, pairs)).toBeGreaterThan(0.01);
    disposeModel(m);
  });

  it('overfits a few pairs with every loss type, with a flat tensor count', async () => {
    for (const lossType of ['sigmoid', 'ipo', 'hinge', 'robust', 'esm'] as const) {
      const m = createModel(resolveModelConfig('tiny'), 4);
      const pairs = await withRefs(m, makePairs(4, 5));
      const metrics: DpoStepMetrics[] = [];
      const counts: number[] = [];
      await runDpo({ policy: policyOf(m), data: pairs, config: cfgOf({ lossType, steps: 12, labelSmoothing: lossType === 'robust' ? 0.1 : 0, rpoAlpha: 0.1 }),
        padTokenId: PAD, modelFiles: async () => ({}),
        hooks: { onStep: (x) => { metrics.push(x); counts.push(tf.memory().numTensors); } } });
      const last = metrics[metrics.length - 1];
      expect(last['rewards/margins'], lossType).toBeGreaterThan(metrics[0]['rewards/margins'] + 0.1);
      expect(last['rewards/accuracies'], lossType).toBe(1);
      expect(new Set(counts.slice(1)).size, lossType).toBe(1);
      disposeModel(m);
    }
  });

  it('resume from a checkpoint gives identical losses', async () => {
    const cfg = cfgOf({ steps: 4, batchSize: 2, checkpointEvery: 2 });
    const straight = createModel(resolveModelConfig('tiny'), 6);
    const pairs = await withRefs(straight, makePairs(6, 7));
    const a = await runDpo({ policy: policyOf(straight), data: pairs, config: cfg, padTokenId: PAD, modelFiles: async () => ({}) });

    const m = createModel(resolveModelConfig('tiny'), 6);
    const saved: Record<string, { files: Record<string, Uint8Array>; weights: Record<string, Float32Array> }> = {};
    await runDpo({ policy: policyOf(m), data: pairs, config: cfg, padTokenId: PAD, modelFiles: async () => ({}),
      hooks: {
        saveCheckpoint: async (name, files) => {
          saved[name] = { files, weights: Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, v.dataSync() as Float32Array])) };
          return name;
        },
        shouldStop: () => Object.keys(saved).length > 0,
      } });
    const ck = saved['checkpoint-2'];
    const resumed = createModel(resolveModelConfig('tiny'), 99);
    for (const [k, v] of Object.entries(resumed.params)) v.assign(tf.tensor(ck.weights[k], v.shape));
    const state = JSON.parse(new TextDecoder().decode(ck.files['trainer_state.json'])) as TrainerState;
    const resume: ResumeFrom = { state, optimizer: ck.files['optimizer.safetensors'], checkpoint: 'checkpoint-2' };
    const b = await runDpo({ policy: policyOf(resumed), data: pairs, config: cfg, padTokenId: PAD, modelFiles: async () => ({}), resume });
    expect(b.losses).toEqual(a.losses.slice(2));
    [straight, m, resumed].forEach(disposeModel);
  });

  it('stops on a non-finite loss without touching the weights', async () => {
    const m = createModel(resolveModelConfig('tiny'), 8);
    const pairs = await withRefs(m, makePairs(2, 9));
    pairs[0].refChosen![0] = NaN;
    const before = m.params['model.norm.weight'].dataSync().slice();
    await expect(runDpo({ policy: policyOf(m), data: pairs, config: cfgOf({ batchSize: 2 }), padTokenId: PAD, modelFiles: async () => ({}) }))
      .rejects.toThrow(TrainingStoppedError);
    expect(m.params['model.norm.weight'].dataSync()).toEqual(before);
    disposeModel(m);
  });

  it('trains LoRA adapters only; the base (the reference) is unchanged', async () => {
    const m = createModel(resolveModelConfig('tiny'), 10);
    const pairs = await withRefs(m, makePairs(4, 11));
    const lora = createLora(m, { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'up_proj'] }, 1);
    const before = m.params['model.layers.0.self_attn.q_proj.weight'].dataSync().slice();
    const metrics: DpoStepMetrics[] = [];
    const policy: DpoPolicy = { params: loraParams(lora), model: () => adaptedModel(m, lora) };
    await runDpo({ policy, data: pairs, config: cfgOf({ steps: 8 }), padTokenId: PAD, modelFiles: async () => ({}),
      hooks: { onStep: (x) => { metrics.push(x); } } });
    expect(metrics[0].loss).toBeCloseTo(Math.LN2, 5);
    expect(metrics[7]['rewards/margins']).toBeGreaterThan(0.05);
    expect(m.params['model.layers.0.self_attn.q_proj.weight'].dataSync()).toEqual(before);
    disposeLora(lora);
    disposeModel(m);
  });

  it('with gradient checkpointing, LoRA DPO gives the same losses and margins over steps (1e-5)', async () => {
    const run = async (checkpointing: boolean): Promise<number[]> => {
      const m = createModel(resolveModelConfig('tiny-qwen2'), 14);
      const pairs = await withRefs(m, makePairs(4, 15));
      const lora = createLora(m, { rank: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'up_proj'] }, 1);
      const out: number[] = [];
      await runDpo({ policy: { params: loraParams(lora), model: () => adaptedModel(m, lora), checkpointing }, data: pairs, config: cfgOf({ steps: 4, batchSize: 2, lr: 1e-2 }),
        padTokenId: PAD, modelFiles: async () => ({}), hooks: { onStep: (x) => { out.push(x.loss, x['rewards/margins']); } } });
      disposeLora(lora);
      disposeModel(m);
      return out;
    };
    const plain = await run(false);
    const recomputed = await run(true);
    expect(plain[6]).not.toBeCloseTo(plain[0], 2); // the steps did train
    recomputed.forEach((v, i) => expect(Math.abs(v - plain[i]), `value ${i}`).toBeLessThan(1e-5));
  });

  it('gives the same losses and margins on wasm and cpu (1e-3)', async () => {
    const run = async (): Promise<number[]> => {
      const m = createModel(resolveModelConfig('tiny'), 12);
      const pairs = await withRefs(m, makePairs(4, 13));
      const out: number[] = [];
      await runDpo({ policy: policyOf(m), data: pairs, config: cfgOf({ steps: 3, batchSize: 2, gradAccumSteps: 2, rpoAlpha: 0.5 }), padTokenId: PAD,
        modelFiles: async () => ({}), hooks: { onStep: (x) => { out.push(x.loss, x['rewards/margins']); } } });
      disposeModel(m);
      return out;
    };
    expect((await initBackend({ order: ['wasm'] })).backend).toBe('wasm');
    const wasm = await run();
    expect((await initBackend({ order: ['cpu'] })).backend).toBe('cpu');
    const cpu = await run();
    expect(wasm).toHaveLength(6);
    wasm.forEach((v, i) => expect(Math.abs(v - cpu[i]), `value ${i}`).toBeLessThan(1e-3));
  });
});
