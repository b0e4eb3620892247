import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, disposeModel, type Model } from '../../../src/core/model/params.ts';
import { tokenLogProbs } from '../../../src/core/model/logprobs.ts';
import { createRng } from '../../../src/core/rng.ts';
import { anchorIndices, anchorLoss, anchorPerPair, planAnchor } from '../../../src/core/train/anchor.ts';
import { dpoBatchLoss, dpoTask, runDpo, trainsPairs, type DpoPolicy, type DpoStepMetrics } from '../../../src/core/train/dpo.ts';
import { pairLossScale, resolveDpoConfig, type DpoConfig } from '../../../src/core/train/dpo_config.ts';
import { commonPrefix, type EncodedPair } from '../../../src/core/train/dpo_data.ts';
import { computeReferenceLogps } from '../../../src/core/train/reference.ts';
import type { EncodedSample } from '../../../src/core/train/sft_data.ts';
import { dpoMemoryTask, planDpoStep } from '../../../src/core/train/dpo_run.ts';
import { configFromHF } from '../../../src/core/model/config.ts';
import { SMOLLM2_135M_CONFIG } from '../../../src/core/bench/real_configs.ts';
import { MemoryPlanError, planTrainingStep } from '../../../src/core/runtime/memory_plan.ts';
import { resolveSftConfig, type SftConfig } from '../../../src/core/train/config.ts';
import { runSft, sftTask, type SftRun, type TrainablePolicy } from '../../../src/core/train/sft.ts';
import type { Replicas } from '../../../src/core/train/data_parallel.ts';

const PAD = 0;

function makePairs(n: number, seed: number): EncodedPair[] {
  const rng = createRng(seed);
  const ids = (k: number): number[] => Array.from({ length: k }, () => 1 + rng.int(63));
  return Array.from({ length: n }, () => {
    const chosen = ids(3);
    const rejected = [1 + (chosen[0] % 63), ...ids(2)];
    return { prompt: ids(4), chosen, rejected, sharedPrefix: commonPrefix(chosen, rejected), scoreMargin: 0.5 };
  });
}

/** Ground-truth samples: a few untrained prompt tokens, then trained answer tokens. */
function makeSamples(n: number, seed: number): EncodedSample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const prompt = 2 + rng.int(4);
    const answer = 2 + rng.int(4);
    return { ids: Array.from({ length: prompt + answer }, () => 1 + rng.int(63)), lossMask: [...Array(prompt).fill(0), ...Array(answer).fill(1)] };
  });
}

const policyOf = (m: Model): DpoPolicy => ({ params: m.params, model: () => m });

/** A tiny model and `n` pairs with their reference log-probs from it (the caller disposes the model). */
async function modelWithPairs(modelSeed: number, n: number, pairSeed: number): Promise<{ m: Model; pairs: EncodedPair[] }> {
  const m = createModel(resolveModelConfig('tiny'), modelSeed);
  const pairs = makePairs(n, pairSeed);
  await computeReferenceLogps(m, pairs, { batchSize: n, padTokenId: PAD });
  return { m, pairs };
}
const cfgOf = (o: Partial<DpoConfig> = {}): DpoConfig =>
  resolveDpoConfig({ lr: 1e-2, warmupSteps: 0, steps: 1, batchSize: 4, checkpointEvery: 0, beta: 0.5, ...o });

/** Per-token mean NLL of the samples' trained tokens, one unpadded sequence at a time. */
function handNll(m: Model, samples: EncodedSample[]): number {
  let nll = 0;
  let n = 0;
  for (const s of samples) {
    const lp = tf.tidy(() => Array.from(tokenLogProbs(m, tf.tensor2d([s.ids.slice(0, -1)], undefined, 'int32'), tf.tensor2d([s.ids.slice(1)], undefined, 'int32')).dataSync()));
    lp.forEach((v, t) => {
      if (s.lossMask[t + 1]) {
        nll -= v;
        n += 1;
      }
    });
  }
  return nll / n;
}

describe('SFT anchor of a preference run', () => {
  it('gives each pair ceil(anchors / pairs) samples, covers every sample in one pass over the pairs, and depends only on the pair index', () => {
    const plan = planAnchor(7, 3, 1);
    expect(plan.perPair).toBe(3);
    const all = anchorIndices(plan, [0, 1, 2]);
    expect(all).toHaveLength(9);
    expect(new Set(all).size).toBe(7);
    expect(anchorIndices(plan, [2, 0])).toEqual([...anchorIndices(plan, [2]), ...anchorIndices(plan, [0])]);
    expect(anchorIndices(planAnchor(7, 3, 1), [1])).toEqual(anchorIndices(plan, [1]));
    const more = planAnchor(3, 10, 1);
    expect(more.perPair).toBe(1);
    expect(new Set(anchorIndices(more, [0, 1, 2])).size).toBe(3);
    expect(() => planAnchor(0, 3, 1)).toThrow(/no anchor samples/);
  });

  it('dpo.anchorPerPair fixes the samples a pair brings whatever the pair count; 0 is auto', () => {
    // Auto: 2,400 anchor samples give 2,248 pairs 2 each and 2,701 pairs 1 each (the dose the pair count set on validation).
    expect(anchorPerPair(2400, 2248)).toBe(2);
    expect(anchorPerPair(2400, 2701)).toBe(1);
    expect(anchorPerPair(2400, 2701, 2)).toBe(2);
    expect(anchorPerPair(2400, 2248, 1)).toBe(1);
    expect(anchorPerPair(2400, 2248, 0)).toBe(2);
    const fixed = planAnchor(7, 3, 1, 2);
    expect(fixed.perPair).toBe(2);
    expect(anchorIndices(fixed, [0, 1, 2])).toHaveLength(6);
    // The same seeded order as auto: a fixed k only changes how many positions each pair takes.
    expect(fixed.order).toEqual(planAnchor(7, 3, 1).order);
    expect(anchorIndices(fixed, [1])).toEqual([fixed.order[2], fixed.order[3]]);
    const wraps = planAnchor(3, 10, 1, 2);
    expect(anchorIndices(wraps, [1, 2])).toEqual([wraps.order[2], wraps.order[0], wraps.order[1], wraps.order[2]]);
    expect(() => anchorPerPair(10, 5, -1)).toThrow(/anchorPerPair must be an integer >= 0, got -1/);
    expect(() => resolveDpoConfig({ anchorPerPair: 1.5 })).toThrow(/dpo\.anchorPerPair must be an integer >= 0 \(0 = auto/);
    expect(() => resolveDpoConfig({ anchorPerPair: -2 })).toThrow(/dpo\.anchorPerPair/);
    expect(dpoMemoryTask(resolveDpoConfig({ batchSize: 4, anchorWeight: 1, anchorPerPair: 3 }), { samples: 10, pairs: 100 }).anchorRows).toBe(12);
  });

  it('adds anchorWeight times the anchor samples\' per-token NLL to the preference loss (by hand at step 1)', async () => {
    const { m, pairs } = await modelWithPairs(3, 4, 2);
    const anchor = makeSamples(6, 5);
    const plan = planAnchor(anchor.length, pairs.length, 0);
    const want = handNll(m, anchorIndices(plan, [0, 1, 2, 3]).map((i) => anchor[i]));
    const metrics: DpoStepMetrics[] = [];
    await runDpo({ policy: policyOf(m), data: pairs, anchor, config: cfgOf({ anchorWeight: 0.5, seed: 0 }), padTokenId: PAD,
      modelFiles: async () => ({}), hooks: { onStep: (x) => { metrics.push(x); } } });
    expect(metrics[0]['nll/anchor']).toBeCloseTo(want, 4);
    expect(metrics[0].loss).toBeCloseTo(Math.LN2 + 0.5 * want, 4);
    disposeModel(m);
  });

  it('the anchor alone (pairs weighted 0) has the gradient of anchorWeight times its NLL plus 0 times the pairs\' loss, and still reports the pairs', async () => {
    const { m, pairs } = await modelWithPairs(5, 4, 3);
    const anchor = makeSamples(6, 7);
    const config = cfgOf({ anchorWeight: 0.7, lossWeights: [0], rpoAlpha: 0, seed: 0 });
    expect(trainsPairs(config)).toBe(false);
    expect(trainsPairs({ ...config, rpoAlpha: 0.1 })).toBe(true);
    const stats: tf.Tensor1D[] = [];
    const task = dpoTask({ policy: policyOf(m), data: pairs, anchor, config, padTokenId: PAD, modelFiles: async () => ({}) }, (x) => void stats.push(x));
    const batch = task.makeBatch([0, 1, 2, 3]);
    const vars = Object.values(m.params) as tf.Variable[];
    const grads = (f: () => tf.Scalar) => {
      const { value, grads: g } = tf.variableGrads(f, vars);
      const out = { loss: value.dataSync()[0], g: vars.map((v) => Array.from((g[v.name] ?? tf.zerosLike(v)).dataSync())) };
      tf.dispose([value, ...Object.values(g)]);
      return out;
    };
    // What the step computed before the pairs' backward was skipped: their loss times 0, plus the anchor's.
    const withPairs = (): tf.Scalar => {
      const { loss, stats: s } = dpoBatchLoss(policyOf(m), batch.pairs, config);
      s.dispose();
      return tf.add(tf.mul(loss, 0), tf.mul(anchorLoss(m, batch.anchor!, false), 0.7)) as tf.Scalar;
    };
    const got = grads(() => task.loss(batch));
    const want = grads(withPairs);
    expect(got.loss).toBeCloseTo(want.loss, 6);
    got.g.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want.g[i][j], 6)));
    expect(got.g.some((g) => g.some((v) => v !== 0))).toBe(true);
    // ...with fewer kernels: the pairs' backward pass is not run.
    const kernels = async (f: () => tf.Scalar) => (await tf.profile(() => void grads(f))).kernels.length;
    expect(await kernels(() => task.loss(batch))).toBeLessThan(0.8 * await kernels(withPairs));
    // The pairs' metrics (logps/chosen and the rest) and the anchor's NLL are still read.
    const read = stats[0].dataSync();
    expect(read).toHaveLength(9);
    expect(read[4]).toBeLessThan(0);
    expect(read[8]).toBeCloseTo(got.loss / 0.7, 5);
    tf.dispose(stats);
    task.disposeBatch(batch);
    disposeModel(m);
  });

  it('dpo.pairWarmupSteps ramps the pairs\' loss in, min(1, s / N) times it, never the anchor\'s (by hand at fixed weights)', async () => {
    const { m, pairs } = await modelWithPairs(6, 4, 4);
    const anchor = makeSamples(6, 8);
    const config = cfgOf({ anchorWeight: 0.5, rpoAlpha: 0.3, pairWarmupSteps: 4, seed: 0 });
    const task = dpoTask({ policy: policyOf(m), data: pairs, anchor, config, padTokenId: PAD, modelFiles: async () => ({}) }, (x) => x.dispose());
    const batch = task.makeBatch([0, 1, 2, 3]);
    const pairLoss = tf.tidy(() => {
      const { loss, stats } = dpoBatchLoss(policyOf(m), batch.pairs, config);
      stats.dispose();
      return loss.dataSync()[0];
    });
    const nll = tf.tidy(() => anchorLoss(m, batch.anchor!, false).dataSync()[0]);
    expect(pairLoss).toBeGreaterThan(0.3);
    const at = (step?: number): number => tf.tidy(() => task.loss(batch, step).dataSync()[0]);
    expect(at(0)).toBeCloseTo(0.5 * nll, 5); // the first step trains the anchor alone
    expect(at(1)).toBeCloseTo(0.25 * pairLoss + 0.5 * nll, 5);
    expect(at(3)).toBeCloseTo(0.75 * pairLoss + 0.5 * nll, 5);
    expect(at(4)).toBeCloseTo(pairLoss + 0.5 * nll, 5);
    expect(at(40)).toBeCloseTo(pairLoss + 0.5 * nll, 5);
    expect(() => at(undefined)).toThrow(/dpo\.pairWarmupSteps needs the step number/);
    // Off (0), the step number changes nothing.
    const off = dpoTask({ policy: policyOf(m), data: pairs, anchor, config: { ...config, pairWarmupSteps: 0 }, padTokenId: PAD, modelFiles: async () => ({}) }, (x) => x.dispose());
    expect(tf.tidy(() => off.loss(batch, 0).dataSync()[0])).toBeCloseTo(pairLoss + 0.5 * nll, 5);
    expect(pairLossScale({ pairWarmupSteps: 0 }, 0)).toBe(1);
    expect(pairLossScale({ pairWarmupSteps: 200 }, 50)).toBe(0.25);
    expect(() => resolveDpoConfig({ pairWarmupSteps: 2.5 })).toThrow(/dpo\.pairWarmupSteps must be an integer >= 0 \(0 = off\), got 2\.5/);
    expect(() => resolveDpoConfig({ pairWarmupSteps: -1 })).toThrow(/dpo\.pairWarmupSteps/);
    task.disposeBatch(batch);
    disposeModel(m);
  });

  it('with dpo.pairWarmupSteps the trainer passes each step its number: step 1 reports the anchor alone, later steps the pairs too', async () => {
    const { m, pairs } = await modelWithPairs(3, 4, 2);
    const anchor = makeSamples(6, 5);
    const metrics: DpoStepMetrics[] = [];
    await runDpo({ policy: policyOf(m), data: pairs, anchor, config: cfgOf({ anchorWeight: 0.5, pairWarmupSteps: 2, steps: 3, lr: 1e-7, seed: 0 }), padTokenId: PAD,
      modelFiles: async () => ({}), hooks: { onStep: (x) => { metrics.push(x); } } });
    // At lr 1e-7 the weights barely move, so each step's pair loss is about ln 2 (h near 0).
    expect(metrics[0].loss).toBeCloseTo(0.5 * metrics[0]['nll/anchor']!, 5);
    expect(metrics[1].loss).toBeCloseTo(0.5 * Math.LN2 + 0.5 * metrics[1]['nll/anchor']!, 3);
    expect(metrics[2].loss).toBeCloseTo(Math.LN2 + 0.5 * metrics[2]['nll/anchor']!, 3);
    disposeModel(m);
  });

  it('lowers the anchor samples\' NLL where the preference loss alone does not', async () => {
    const anchor = makeSamples(4, 9);
    const run = async (anchorWeight: number): Promise<number> => {
      const { m, pairs } = await modelWithPairs(4, 4, 6);
      await runDpo({ policy: policyOf(m), data: pairs, anchor, config: cfgOf({ anchorWeight, steps: 10 }), padTokenId: PAD, modelFiles: async () => ({}) });
      const nll = handNll(m, anchor);
      disposeModel(m);
      return nll;
    };
    const m0 = createModel(resolveModelConfig('tiny'), 4);
    const start = handNll(m0, anchor);
    disposeModel(m0);
    const without = await run(0);
    const withAnchor = await run(1);
    expect(withAnchor).toBeLessThan(start - 0.5);
    expect(withAnchor).toBeLessThan(without - 0.5);
  });

  it('plans a step with the anchor\'s sequences: SmolLM2-135M LoRA DPO that fits alone is refused with them, saying what fits', () => {
    const c = configFromHF(SMOLLM2_135M_CONFIG);
    const plan = (cfg: Partial<DpoConfig>, samples: number, pairs: number) => {
      const config = resolveDpoConfig({ adapter: 'lora', batchSize: 1, ...cfg });
      return () => planTrainingStep(c, dpoMemoryTask(config, { samples, pairs }), 'wasm', config.gradientCheckpointing, 'SmolLM2-135M');
    };
    expect(anchorPerPair(300, 100)).toBe(3);
    expect(dpoMemoryTask(resolveDpoConfig({ batchSize: 4, anchorWeight: 1 }), { samples: 301, pairs: 100 }).anchorRows).toBe(16);
    expect(dpoMemoryTask(resolveDpoConfig({ batchSize: 4 }), { samples: 301, pairs: 100 }).anchorRows).toBe(0);
    // 256 tokens, 1 pair: fits with layers recomputed; one anchor sequence beside it does not.
    expect(plan({ seqLen: 256 }, 100, 100)().plan.fits).toBe(true);
    expect(plan({ seqLen: 256, anchorWeight: 1 }, 100, 100)).toThrow(MemoryPlanError);
    expect(plan({ seqLen: 256, anchorWeight: 1 }, 100, 100)).toThrow(/at 256 tokens × 1 pair\(s\) \+ 1 SFT anchor sequence\(s\) with gradient checkpointing on wasm .*anchor logits [\d.]+ GiB\), over 90% .*; without the SFT anchor \(dpo\.anchorWeight 0\) it fits/);
    // 128 tokens: 3 anchor samples per pair do not fit, 2 do.
    expect(plan({ seqLen: 128, anchorWeight: 1 }, 300, 100)).toThrow(/\+ 3 SFT anchor sequence\(s\) .*; with 2 anchor sample\(s\) per pair \(dpo\.anchorPerPair 2: 2 anchor sequence\(s\) per micro-batch\) it fits/);
    expect(plan({ seqLen: 128, anchorWeight: 1 }, 200, 100)().plan.fits).toBe(true);
    // The advice is a setting one can make: anchor rows come in multiples of the batch. At 64 tokens, 4 pairs with one
    // anchor sample each do not fit, 3 rows would; with 3 pairs a batch they do.
    expect(plan({ seqLen: 64, anchorWeight: 1, batchSize: 4 }, 100, 100)).toThrow(/× 4 pair\(s\) \+ 4 SFT anchor sequence\(s\) .*; with dpo\.batchSize 3 \(3 anchor sequence\(s\) per micro-batch\) it fits/);
    expect(plan({ seqLen: 64, anchorWeight: 1, batchSize: 3 }, 100, 100)().plan.fits).toBe(true);
    const tiny = createModel(resolveModelConfig('tiny'), 1);
    expect(() => planDpoStep(tiny, cfgOf({ anchorWeight: 1 }))).toThrow(/anchorWeight > 0 needs the anchor's sample and pair counts/);
    disposeModel(tiny);
  });

  it('a DPO micro-batch and an RFT one carry B x dpo.anchorPerPair anchor rows when it is set, B x ceil(anchors / pairs) at 0', async () => {
    const { m, pairs } = await modelWithPairs(3, 4, 2);
    const anchor = makeSamples(10, 5);
    const rows = (anchorPerPair: number): number => {
      const task = dpoTask({ policy: policyOf(m), data: pairs, anchor, config: cfgOf({ anchorWeight: 1, anchorPerPair, seed: 0 }), padTokenId: PAD, modelFiles: async () => ({}) }, (x) => x.dispose());
      const batch = task.makeBatch([0, 1, 2, 3]);
      const n = batch.anchor!.inputIds.shape[0];
      task.disposeBatch(batch);
      return n;
    };
    expect([rows(0), rows(1), rows(4)]).toEqual([12, 4, 16]);
    const sftPolicy: TrainablePolicy = { params: m.params, tokenLogProbs: (i, t, a) => tokenLogProbs(m, i, t, { attentionMask: a }) };
    const targets = makeSamples(4, 11);
    const sftRows = (perPair?: number): number => {
      const task = sftTask({ policy: sftPolicy, data: targets, config: resolveSftConfig({ steps: 1, batchSize: 4, seqLen: 64, bucketByLength: false }), padTokenId: PAD, modelFiles: async () => ({}), anchor: { samples: anchor, weight: 1, seed: 7, perPair } });
      const batch = task.makeBatch([0, 1, 2, 3]);
      const n = batch.anchor!.inputIds.shape[0];
      task.disposeBatch(batch);
      return n;
    };
    expect([sftRows(), sftRows(0), sftRows(1)]).toEqual([12, 12, 4]);
    disposeModel(m);
  });

  it('names the problem: a negative weight, or a weight without anchor samples', async () => {
    expect(() => resolveDpoConfig({ anchorWeight: -1 })).toThrow(/dpo\.anchorWeight must be >= 0/);
    const { m, pairs } = await modelWithPairs(3, 2, 2);
    expect(() => runDpo({ policy: policyOf(m), data: pairs, config: cfgOf({ anchorWeight: 1 }), padTokenId: PAD, modelFiles: async () => ({}) }))
      .toThrow(/anchorWeight is 1 but the run has no anchor samples/);
    disposeModel(m);
  });
});

describe('SFT anchor of an SFT run (the loop\'s RFT with loop.rftAnchor)', () => {
  const sftPolicy = (m: Model): TrainablePolicy => ({ params: m.params, tokenLogProbs: (i, t, a) => tokenLogProbs(m, i, t, { attentionMask: a }) });
  const sftCfg = (o: Partial<SftConfig> = {}): SftConfig => resolveSftConfig({ lr: 1e-2, warmupSteps: 0, steps: 1, batchSize: 4, checkpointEvery: 0, seqLen: 64, bucketByLength: false, ...o });
  const sftRun = (m: Model, data: EncodedSample[], o: Partial<SftRun> = {}): SftRun =>
    ({ policy: sftPolicy(m), data, config: sftCfg(), padTokenId: PAD, modelFiles: async () => ({}), ...o });

  it('adds weight times the planned anchor samples\' per-token NLL to the targets\' (by hand), the rows a DPO run\'s item brings', () => {
    const m = createModel(resolveModelConfig('tiny'), 3);
    const targets = makeSamples(4, 11);
    const anchor = makeSamples(6, 12);
    const task = sftTask(sftRun(m, targets, { anchor: { samples: anchor, weight: 0.5, seed: 7 } }));
    const batch = task.makeBatch([0, 1, 2, 3]);
    const rows = anchorIndices(planAnchor(anchor.length, targets.length, 7), [0, 1, 2, 3]);
    expect(rows).toHaveLength(8);
    const loss = tf.tidy(() => task.loss(batch).dataSync()[0]);
    expect(loss).toBeCloseTo(handNll(m, targets) + 0.5 * handNll(m, rows.map((i) => anchor[i])), 4);
    expect(task.tokens(batch)).toBe(batch.inputTokens + batch.anchor!.inputTokens);
    task.disposeBatch(batch);
    // Without an anchor the loss is the targets' alone.
    const plain = sftTask(sftRun(m, targets));
    const b2 = plain.makeBatch([0, 1, 2, 3]);
    expect(b2.anchor).toBeUndefined();
    expect(tf.tidy(() => plain.loss(b2).dataSync()[0])).toBeCloseTo(handNll(m, targets), 4);
    plain.disposeBatch(b2);
    disposeModel(m);
  });

  it('lowers the anchor samples\' NLL where the targets alone do not, and refuses replicas', async () => {
    const targets = makeSamples(4, 13);
    const anchor = makeSamples(4, 14);
    const run = async (weight: number): Promise<number> => {
      const m = createModel(resolveModelConfig('tiny'), 4);
      await runSft(sftRun(m, targets, { config: sftCfg({ steps: 10 }), ...(weight > 0 ? { anchor: { samples: anchor, weight, seed: 1 } } : {}) }));
      const nll = handNll(m, anchor);
      disposeModel(m);
      return nll;
    };
    const without = await run(0);
    const withAnchor = await run(1);
    expect(withAnchor).toBeLessThan(without - 0.5);
    const m = createModel(resolveModelConfig('tiny'), 4);
    expect(() => sftTask(sftRun(m, targets, { anchor: { samples: anchor, weight: 1, seed: 1 }, replicas: {} as Replicas }))).toThrow('sft: an anchor trains in one replica');
    disposeModel(m);
  });
});
