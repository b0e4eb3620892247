import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { disposeModel, type Model } from '../../../src/core/model/params.ts';
import { createRng } from '../../../src/core/rng.ts';
import { resolvePreferenceConfig, type PairMode } from '../../../src/core/preference/config.ts';
import { buildItems, buildPairs, buildPairsForSample, pairItems, type SamplePairs } from '../../../src/core/preference/build_pairs.ts';
import type { PreferencePair } from '../../../src/core/preference/pairing.ts';
import { pairsToTrlJsonl, validateTrlRecord } from '../../../src/core/preference/trl_export.ts';
import { buildTurnContext, forwardLogprobs } from '../../../src/core/preference/turn_context.ts';
import { SAMPLES, randomModel, testTokenizer, trainedModel, useWasm } from './fixture.ts';

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
    await buildPairsForSample(model, tok(), SAMPLES[0], 3, cfg({ spans: [] }), createRng(2));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buildPairsForSample, a text turn (no call due)', () => {
  // The model was trained on call turns only, so after the tool result it calls again instead of answering.
  const answer = 3;

  it('pairs the ground-truth answer against a base that calls, at the first token', async () => {
    const r = await buildPairsForSample(model, tok(), SAMPLES[0], answer, cfg(), createRng(1));
    const ctx = buildTurnContext(tok(), SAMPLES[0], answer);
    expect([ctx.turnType, ctx.truthText]).toEqual(['text', 'It is 21 degrees.']);
    expect(r.trajectory!.text.startsWith('<tool_call>')).toBe(true);
    expect(r.trajectory!.esm).toBe(0);
    expect(r.trajectory!.categories.some((c) => c === 'irrelevance' || c === 'format')).toBe(true);
    expect(r.trajectory!.tokens.every((t) => t.span === 'format')).toBe(true);
    const gt = r.pairs.filter((p) => p.kind === 'ground_truth');
    expect(gt).toHaveLength(1);
    const p = gt[0];
    expect([p.turnType, p.divergenceIndex, p.spanType, p.prefix]).toEqual(['text', 0, 'format', '']);
    expect(p.chosen.text).toBe('It is 21 degrees.');
    expect(p.rejected.text).toBe(r.trajectory!.text);
    expect(p.rejected.text.startsWith('<tool_call>')).toBe(true);
    expect([p.chosen.esm, p.rejected.esm, p.margin]).toEqual([1, 0, 1]);
    expect(p.chosen.ids).toEqual(tok().encode('It is 21 degrees.<|im_end|>'));
    forwardLogprobs(model, ctx.promptIds, p.chosen.ids).forEach((lp, t) => expect(lp).toBeCloseTo(p.chosen.logprobs![t], 4));
    const rec = JSON.parse(pairsToTrlJsonl([p]).trim());
    expect(validateTrlRecord(rec)).toEqual([]);
    expect([rec.prompt.at(-1).role, rec.chosen[0].content, rec.ttpa.turn_type]).toEqual(['tool', 'It is 21 degrees.', 'text']);
    expect(rec.rejected[0].content.startsWith('<tool_call>')).toBe(true);
  });

  it('branches only at the first token, the text-or-call decision, typed format', async () => {
    // minTop1Prob 1: every step is uncertain and every alternative kept, yet a text turn has one decision point.
    const r = await buildPairsForSample(model, tok(), SAMPLES[0], answer, cfg({ spans: [], minTop1Prob: 1, minAltProb: 0, maxAltsPerPoint: 4 }), createRng(1));
    expect(r.divergences.map((d) => [d.index, d.span])).toEqual([[0, 'format']]);
    expect(r.branches.length).toBeGreaterThan(0);
    for (const p of r.pairs) expect(p.chosen.esm).toBeGreaterThan(p.rejected.esm);
    for (const p of r.pairs.filter((q) => q.kind === 'branch')) expect([p.prefix, p.chosen.esm, p.rejected.esm]).toEqual(['', 1, 0]);
    const none = await buildPairsForSample(model, tok(), SAMPLES[0], answer, cfg({ spans: ['name', 'key', 'value'], minTop1Prob: 1, minAltProb: 0 }), createRng(1));
    expect(none.divergences).toEqual([]);
  });

  it('turn mode: every sample calls, so the ground-truth answer is chosen against each (best below 0.8)', async () => {
    const r = await buildPairsForSample(model, tok(), SAMPLES[0], answer, cfg({ mode: 'turn', nSamples: 3 }), createRng(1));
    expect(r.samples!.every((s) => s.esm === 0)).toBe(true);
    expect(r.pairs.length).toBeGreaterThan(0);
    for (const p of r.pairs) expect([p.turnType, p.chosen.source, p.chosen.text, p.rejected.esm]).toEqual(['text', 'ground_truth', 'It is 21 degrees.', 0]);
  });

  it('a correct plain-text base gives no pair; text turns can be switched off; long answers are left out', async () => {
    // A random model babbles plain text: ESM cannot rank one text above another, so nothing to pair.
    const babbler = randomModel(1);
    const plain = await buildPairsForSample(babbler, tok(), SAMPLES[0], answer, cfg(), createRng(1));
    disposeModel(babbler);
    expect([plain.trajectory!.text.includes('<tool_call>'), plain.trajectory!.esm, plain.pairs]).toEqual([false, 1, []]);
    const off = await buildPairs(model, tok(), SAMPLES, cfg({ includeTextTurns: false }));
    expect([off.stats.promptsByTurn, off.stats.pairsByTurn.text]).toEqual([{ call: 3, text: 0 }, 0]);
    const long = { ...SAMPLES[0], id: 'long', messages: [...SAMPLES[0].messages.slice(0, 3), { role: 'assistant' as const, content: 'It is 21 degrees. '.repeat(30) }] };
    const r = await buildPairs(model, tok(), [long], cfg());
    expect([r.stats.skippedLongAnswer, r.stats.promptsByTurn]).toEqual([1, { call: 1, text: 0 }]);
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
        if (line.ttpa.divergence_index === null || line.ttpa.divergence_index === 0) expect(last.role).toBe(line.ttpa.turn_type === 'text' ? 'tool' : 'user');
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
    expect(pairsToTrlJsonl(single.pairs)).toBe(pairsToTrlJsonl(one.pairs.filter((p) => p.sampleId === SAMPLES[0].id && p.turnIndex === 1)));
  }, 60_000);

  it('token mode, greedy: prefix reuse gives the same pairs as re-encoding every branch from scratch', async () => {
    const key = (p: { sampleId: string; turnIndex: number; kind: string; divergenceIndex: number | null; prefix: string; chosen: { ids: number[] }; rejected: { ids: number[] } }) =>
      JSON.stringify([p.sampleId, p.turnIndex, p.kind, p.divergenceIndex, p.prefix, p.chosen.ids, p.rejected.ids]);
    const reuse = await buildPairs(model, tok(), SAMPLES, cfg({ reusePrefix: true }));
    const naive = await buildPairs(model, tok(), SAMPLES, cfg({ reusePrefix: false }));
    expect(reuse.pairs.some((p) => p.kind === 'branch')).toBe(true);
    expect(reuse.pairs.map(key).sort()).toEqual(naive.pairs.map(key).sort());
  }, 60_000);

  it('token mode, greedy: forking branches while the base decodes gives the two-phase pairs and details', async () => {
    const key = (p: PreferencePair) => JSON.stringify([p.sampleId, p.turnIndex, p.kind, p.divergenceIndex, p.spanType, p.prefix, p.chosen.text, p.rejected.text, p.chosen.ids, p.rejected.ids, p.chosen.esm, p.rejected.esm, p.margin]);
    // Once a branch is forked the base decodes in a batch: its probabilities may differ in the last bits.
    const view = (d: SamplePairs) => [d.trajectory, d.divergences, d.branches, d.outcome.branches, d.outcome.decodedTokens];
    const approx = (v: unknown): unknown => (typeof v === 'number' ? expect.closeTo(v, 5) : Array.isArray(v) ? v.map(approx) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, approx(x)])) : v);
    // Default spans (types known only once a call closes); any span (known at once, budget-pruned as the base
    // decodes); a budget of one, taken by a name step although the city's value step ranks first (value is not
    // allowed, which is known only once the call closes); no overrun past a stopping base (budgets cut at its
    // end); text turns' first token.
    const settings = [{}, { spans: [], maxBranchesPerPrompt: 3 }, { spans: ['name'], maxBranchesPerPrompt: 1, minTop1Prob: 0.999 },
      { maxBranchesPerPrompt: 1, maxAltsPerPoint: 1 }, { maxBranchOverrun: 0, minTop1Prob: 0.95 }, { spans: ['format'] }];
    let branchPairs = 0;
    for (const overrides of settings) {
      const twoPhase = await buildPairs(model, tok(), SAMPLES, cfg({ ...overrides, forkWhileDecoding: false }), { keepDetails: true });
      const overlapped = await buildPairs(model, tok(), SAMPLES, cfg({ ...overrides, forkWhileDecoding: true }), { keepDetails: true });
      expect(overlapped.pairs.map(key)).toEqual(twoPhase.pairs.map(key));
      expect(overlapped.details!.map(view)).toEqual(approx(twoPhase.details!.map(view)));
      overlapped.pairs.forEach((p, i) => (['chosen', 'rejected'] as const).forEach((side) => {
        expect(p[side].logprobs!.length).toBe(twoPhase.pairs[i][side].logprobs!.length);
        p[side].logprobs!.forEach((lp, t) => expect(Math.abs(lp - twoPhase.pairs[i][side].logprobs![t])).toBeLessThan(1e-4));
      }));
      branchPairs += overlapped.pairs.filter((p) => p.kind === 'branch').length;
    }
    expect(branchPairs).toBeGreaterThan(5);
  }, 120_000);

  it('a prompt\'s seed is its place in the dataset: building any subset of pairItems gives buildPairs\' pairs for it', async () => {
    const c = cfg({ temperature: 1, branchTemperature: 1, seed: 4 });
    const items = pairItems(SAMPLES, c);
    expect(items.map((it) => [it.sampleIndex, it.turn])).toEqual([[0, 1], [0, 3], [1, 1], [1, 3], [2, 1], [2, 3]]);
    const rng = createRng(4);
    expect(items.map((it) => it.seed)).toEqual(items.map(() => rng.fork()));
    const all = await buildPairs(model, tok(), SAMPLES, c);
    const last = items.filter((it) => it.sampleIndex === 2);
    const alone = (await buildItems(model, tok(), last, c)).flatMap((r) => (typeof r === 'string' ? [] : r.pairs));
    expect(alone.length).toBeGreaterThan(0);
    expect(pairsToTrlJsonl(alone)).toBe(pairsToTrlJsonl(all.pairs.filter((p) => p.sampleId === SAMPLES[2].id)));
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
    expect(seen).toEqual([2, 4, 6]);
    const s = r.stats;
    expect(s.prompts).toBe(6);
    expect(s.promptsByTurn).toEqual({ call: 3, text: 3 });
    expect(s.pairsByTurn.call + s.pairsByTurn.text).toBe(s.pairs);
    expect(s.pairsByTurn.text).toBeGreaterThan(0);
    expect(s.meanBaseEsmByTurn.text).toBe(0);
    expect(s.pairs).toBe(r.pairs.length);
    expect(Object.values(s.pairsPerPromptHistogram).reduce((a, b) => a + b, 0)).toBe(6);
    expect(Object.values(s.pairsBySpan).reduce((a, b) => a + b, 0)).toBe(s.pairs);
    expect(s.divergencesBySpan.value).toBeGreaterThan(0);
    expect(s.margin.min).toBeGreaterThan(0);
    expect(s.noPairShare).toBeCloseTo(Object.entries(s.pairsPerPromptHistogram).filter(([k]) => k === '0').reduce((a, [, v]) => a + v, 0) / 6, 12);
    const tooLong = await buildPairs(model, tok(), SAMPLES, cfg({ maxNewTokens: 500 }));
    expect([tooLong.stats.skippedTooLong, tooLong.stats.prompts]).toEqual([6, 0]);
    const stopped = await buildPairs(model, tok(), SAMPLES, cfg(), { shouldStop: async () => true });
    expect(stopped.stopped).toBe(true);
    expect(stopped.stats.prompts).toBe(0);
  }, 60_000);
});
