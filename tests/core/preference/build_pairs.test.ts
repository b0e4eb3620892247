import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import type { Model } from '../../../src/core/model/params.ts';
import { createRng } from '../../../src/core/rng.ts';
import { resolvePreferenceConfig, type PairMode } from '../../../src/core/preference/config.ts';
import { buildPairs, buildPairsForSample } from '../../../src/core/preference/build_pairs.ts';
import { pairsToTrlJsonl, validateTrlRecord } from '../../../src/core/preference/trl_export.ts';
import { buildTurnContext, forwardLogprobs } from '../../../src/core/preference/turn_context.ts';
import { SAMPLES, testTokenizer, trainedModel, useWasm } from './fixture.ts';

// Trained on Paris and Berlin with the same question: greedy decoding is torn at the city's first letter.
let model: Model;
beforeAll(async () => {
  await useWasm();
  model = trainedModel(SAMPLES.slice(0, 2));
}, 60_000);

const tok = () => testTokenizer();
const cfg = (overrides: Record<string, unknown> = {}) => resolvePreferenceConfig({ maxNewTokens: 40, ...overrides });

describe('buildPairsForSample, token mode', () => {
  it('branches at the uncertain value token and prefers the right city, sharing the prefix', async () => {
    const r = await buildPairsForSample(model, tok(), SAMPLES[0], 1, cfg(), createRng(1));
    const traj = r.trajectory!;
    expect(r.divergences.length).toBeGreaterThan(0);
    expect(r.divergences.every((d) => ['name', 'key', 'value'].includes(d.span))).toBe(true);
    const value = r.divergences.find((d) => d.span === 'value')!;
    expect(value).toBeDefined();
    const prefix = traj.tokens.slice(0, value.index).map((t) => t.text).join('');
    expect(prefix.endsWith('"city": "')).toBe(true);
    const branchPairs = r.pairs.filter((p) => p.kind === 'branch' && p.divergenceIndex === value.index);
    expect(branchPairs.length).toBeGreaterThan(0);
    for (const p of branchPairs) {
      expect(p.prefix).toBe(prefix);
      expect(p.spanType).toBe('value');
      expect(p.chosen.text.startsWith('Paris"')).toBe(true);
      expect(p.chosen.ids[0]).not.toBe(p.rejected.ids[0]);
      expect(p.rejected.categories.length).toBeGreaterThan(0);
    }
    // the forced Berlin branch: wrong value, rejected
    const berlin = r.branches.find((b) => b.text.startsWith('Berlin"'));
    if (traj.text.includes('Paris')) {
      expect(berlin?.categories).toEqual(['wrong_value']);
      expect(berlin?.role).toBe('rejected');
    }
  });

  it('pairs the ground truth against a wrong base at the first departing token', async () => {
    // Rome was never seen: the base says Paris or Berlin.
    const r = await buildPairsForSample(model, tok(), SAMPLES[2], 1, cfg(), createRng(1));
    const ctx = buildTurnContext(tok(), SAMPLES[2], 1);
    const gt = r.pairs.find((p) => p.kind === 'ground_truth')!;
    expect(r.trajectory!.esm).toBeLessThan(1);
    expect(gt).toBeDefined();
    expect(gt.chosen.source).toBe('ground_truth');
    expect(gt.prefix + gt.chosen.text).toBe(ctx.truthText);
    expect(gt.prefix + gt.rejected.text).toBe(r.trajectory!.text);
    const j = gt.divergenceIndex!;
    expect(r.trajectory!.tokens.slice(0, j).map((t) => t.text).join('')).toBe(gt.prefix);
    expect(ctx.truthText.startsWith(gt.prefix + r.trajectory!.tokens[j].text)).toBe(false);
    expect(gt.chosen.esm).toBe(1);
    expect(gt.chosen.logprobs!.length).toBe(gt.chosen.ids.length);
  });

  it('walks the teacher-forced ground truth for later wrong tokens (truth_walk pairs)', async () => {
    const r = await buildPairsForSample(model, tok(), SAMPLES[2], 1, cfg({ groundTruthPoints: 3 }), createRng(1));
    const ctx = buildTurnContext(tok(), SAMPLES[2], 1);
    const gt = r.pairs.find((p) => p.kind === 'ground_truth')!;
    const walk = r.pairs.filter((p) => p.kind === 'truth_walk');
    expect(walk.length).toBeGreaterThan(0);
    expect(walk.length).toBeLessThanOrEqual(3);
    const truthIds = tok().encode(ctx.truthText + ctx.eosText);
    for (const p of walk) {
      expect(p.prefix.length).toBeGreaterThan(gt.prefix.length);
      expect(p.prefix + p.chosen.text).toBe(ctx.truthText);
      expect(p.chosen.ids[0]).not.toBe(p.rejected.ids[0]);
      expect(p.rejected.ids[0]).toBe(p.rejected.forcedToken);
      expect(p.chosen.esm).toBeGreaterThan(p.rejected.esm);
      const before = [...ctx.promptIds, ...truthIds.slice(0, p.divergenceIndex!)];
      forwardLogprobs(model, before, p.rejected.ids).forEach((lp, t) => expect(Math.abs(lp - p.rejected.logprobs![t])).toBeLessThan(1e-4));
      forwardLogprobs(model, before, p.chosen.ids).forEach((lp, t) => expect(Math.abs(lp - p.chosen.logprobs![t])).toBeLessThan(1e-4));
    }
    const none = await buildPairsForSample(model, tok(), SAMPLES[2], 1, cfg({ groundTruthPoints: 0 }), createRng(1));
    expect(none.pairs.filter((p) => p.kind === 'truth_walk')).toEqual([]);
  });

  it('leaks no tensors', async () => {
    await buildPairsForSample(model, tok(), SAMPLES[2], 1, cfg(), createRng(2));
    const before = tf.memory().numTensors;
    await buildPairsForSample(model, tok(), SAMPLES[2], 1, cfg(), createRng(2));
    await buildPairsForSample(model, tok(), SAMPLES[0], 1, cfg({ mode: 'turn' }), createRng(2));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buildPairs', () => {
  const modes: PairMode[] = ['token', 'turn', 'sequence'];

  it('chosen always scores higher, and every line validates against TRL conversational preference', async () => {
    for (const mode of modes) {
      const { pairs } = await buildPairs(model, tok(), SAMPLES, cfg({ mode, temperature: 1, branchTemperature: 1, nSamples: 4 }));
      expect(pairs.length).toBeGreaterThan(0);
      for (const p of pairs) expect(p.chosen.esm).toBeGreaterThan(p.rejected.esm);
      const lines = pairsToTrlJsonl(pairs).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(pairs.length);
      for (const line of lines) {
        expect(validateTrlRecord(line)).toEqual([]);
        expect(Object.keys(line).sort()).toEqual(['chosen', 'prompt', 'rejected', 'tools', 'ttpa']);
        expect(line.ttpa.margin).toBeCloseTo(line.ttpa.chosen_esm - line.ttpa.rejected_esm, 12);
        const last = line.prompt[line.prompt.length - 1];
        if (line.ttpa.divergence_index === null || line.ttpa.divergence_index === 0) expect(last.role).toBe('user');
        else expect(last.role).toBe('assistant');
      }
    }
  }, 60_000);

  it('batching prompts changes no greedy pair, and a batch of one is buildPairsForSample', async () => {
    const one = await buildPairs(model, tok(), SAMPLES, cfg({ promptBatch: 1 }));
    const three = await buildPairs(model, tok(), SAMPLES, cfg({ promptBatch: 3 }));
    expect(three.pairs.map((p) => [p.sampleId, p.kind, p.prefix, p.chosen.text, p.rejected.text])).toEqual(one.pairs.map((p) => [p.sampleId, p.kind, p.prefix, p.chosen.text, p.rejected.text]));
    three.pairs.forEach((p, i) => expect(p.rejected.logprobs![0]).toBeCloseTo(one.pairs[i].rejected.logprobs![0], 4));
    const rng = createRng(cfg().seed);
    const single = await buildPairsForSample(model, tok(), SAMPLES[0], 1, cfg(), createRng(rng.fork()));
    expect(pairsToTrlJsonl(single.pairs)).toBe(pairsToTrlJsonl(one.pairs.filter((p) => p.sampleId === SAMPLES[0].id)));
  }, 60_000);

  it('identical seeds give identical pairs', async () => {
    for (const mode of modes) {
      const c = cfg({ mode, temperature: 1, branchTemperature: 1, sampleTemperature: 1.5, nSamples: 3, seed: 9 });
      const a = await buildPairs(model, tok(), SAMPLES, c);
      const b = await buildPairs(model, tok(), SAMPLES, c);
      expect(pairsToTrlJsonl(a.pairs)).toBe(pairsToTrlJsonl(b.pairs));
    }
  }, 60_000);

  it('reports stats, progress, and stops when asked', async () => {
    const seen: number[] = [];
    const r = await buildPairs(model, tok(), SAMPLES, cfg({ promptBatch: 2 }), { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([2, 3]);
    const s = r.stats;
    expect(s.prompts).toBe(3);
    expect(s.pairs).toBe(r.pairs.length);
    expect(Object.values(s.pairsPerPromptHistogram).reduce((a, b) => a + b, 0)).toBe(3);
    expect(Object.values(s.pairsBySpan).reduce((a, b) => a + b, 0)).toBe(s.pairs);
    expect(s.divergencesBySpan.value).toBeGreaterThan(0);
    expect(s.margin.min).toBeGreaterThan(0);
    expect(s.noPairShare).toBeCloseTo(Object.entries(s.pairsPerPromptHistogram).filter(([k]) => k === '0').reduce((a, [, v]) => a + v, 0) / 3, 12);
    const tooLong = await buildPairs(model, tok(), SAMPLES, cfg({ maxNewTokens: 500 }));
    expect([tooLong.stats.skippedTooLong, tooLong.stats.prompts]).toEqual([3, 0]);
    const stopped = await buildPairs(model, tok(), SAMPLES, cfg(), { shouldStop: async () => true });
    expect(stopped.stopped).toBe(true);
    expect(stopped.stats.prompts).toBe(0);
  }, 60_000);
});
