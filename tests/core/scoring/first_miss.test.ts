import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dirSource } from '../../../src/cli/files.ts';
import { resolveDataConfig } from '../../../src/core/data/config.ts';
import { generateDataset } from '../../../src/core/data/generate.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { turnLogps } from '../../../src/core/model/turn_logps.ts';
import { evaluateModel } from '../../../src/core/pipeline/evaluate_model.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { loadCheckpoint } from '../../../src/core/runtime/checkpoint.ts';
import { atBaseMisses, beforeAfterAtMisses, firstMiss, marginAt, pairedAtBaseMisses, type TurnLogps } from '../../../src/core/scoring/first_miss.ts';
import { mcnemarExact } from '../../../src/core/scoring/significance.ts';

const turn = (sampleId: string, truth: number[], bestOther: number[], call = true): TurnLogps => ({ sampleId, turn: 1, call, truth, bestOther });

describe('first misses, by hand', () => {
  it('finds the first token another token beats (a tie is not a miss), and the margin there', () => {
    expect(firstMiss({ truth: [-0.1, -2, -0.5], bestOther: [-3, -1, -0.4] })).toBe(1);
    expect(firstMiss({ truth: [-1, -1], bestOther: [-1, -2] })).toBe(-1);
    expect(marginAt({ truth: [-0.1, -2], bestOther: [-3, -1.5] }, 1)).toBeCloseTo(-0.5, 12);
    expect(() => firstMiss({ truth: [-1], bestOther: [] })).toThrow('firstMiss: 1 truth log-probs against 0 others');
  });

  it("scores models at the base's first misses on call turns only, and pairs them with a sign test and McNemar", () => {
    const base = [
      turn('a', [-0.1, -2, -0.1], [-3, -1, -3]), // misses at token 1, margin -1
      turn('b', [-3, -0.1], [-1, -0.05]), // misses at token 0, margin -2, and at token 1
      turn('c', [-0.1], [-3]), // clean: no point
      turn('d', [-5], [-1], false), // a text turn: left out
    ];
    const a = [turn('a', [-0.1, -0.5, -4], [-3, -1, -3]), turn('b', [-2, -0.1], [-1, -3]), turn('c', [-0.1], [-3]), turn('d', [-0.1], [-1], false)];
    const b = [turn('a', [-0.1, -1.5, -0.1], [-3, -1, -3]), turn('b', [-0.5, -0.1], [-1, -3]), turn('c', [-4], [-3])];
    expect(atBaseMisses(base, base)).toEqual({ callTurns: 3, clean: 1, keptClean: 1, repaired: 0, movedLater: 0, movedEarlier: 0, medianMisses: 1.5, oneMiss: 1, points: 2, fixed: 0, medianMargin: -1.5, medianTruthLogp: -2.5, newMissTokens: 0, newMissTurns: 0 });
    // a: token 1 of 'a' now right (+0.5) but token 2 wrong (a later miss, and a new one: the base had it right),
    // 'b' still wrong at token 0 (-1); 'c' clean
    expect(atBaseMisses(base, a)).toEqual({ callTurns: 3, clean: 1, keptClean: 1, repaired: 0, movedLater: 1, movedEarlier: 0, medianMisses: 1, oneMiss: 2, points: 2, fixed: 1, medianMargin: -0.25, medianTruthLogp: -1.25, newMissTokens: 1, newMissTurns: 1 });
    // b: 'a' still wrong (-0.5), 'b' right (+0.5); 'c' now misses (a new miss on a clean turn)
    expect(atBaseMisses(base, b)).toEqual({ callTurns: 3, clean: 1, keptClean: 0, repaired: 1, movedLater: 0, movedEarlier: 1, medianMisses: 1, oneMiss: 2, points: 2, fixed: 1, medianMargin: 0, medianTruthLogp: -1, newMissTokens: 1, newMissTurns: 1 });
    // margins a − b: 'a' +1, 'b' -1.5; fixed only by a: 'a', only by b: 'b'; a new miss only for a in 'a', only for b in 'c'
    expect(pairedAtBaseMisses(base, a, b)).toEqual({ points: 2, aHigher: 1, bHigher: 1, p: mcnemarExact(1, 1), medianDiff: -0.25, onlyAFixed: 1, onlyBFixed: 1, pFixed: 1, newMissOnlyA: 1, newMissOnlyB: 1, pNewMiss: 1 });
    // new misses are counted on every call turn, clean or not, and a tie is no miss: the base's right tokens only
    const broken = [turn('a', [-0.1, -2, -3], [-3, -1, -1]), turn('b', [-3, -0.1], [-1, -0.05]), turn('c', [-3], [-3])];
    expect(atBaseMisses(base, broken)).toMatchObject({ newMissTokens: 1, newMissTurns: 1 });
    expect(pairedAtBaseMisses(base, broken, base)).toMatchObject({ newMissOnlyA: 1, newMissOnlyB: 0, pNewMiss: 1 });
    expect(() => atBaseMisses(base, [turn('a', [-1], [-2])])).toThrow('a#1: 1 target tokens against the base\'s 3 (another tokenizer?)');
  });

  it('reads one model before and after an update at the before model\'s first misses', () => {
    const before = [
      turn('a', [-0.1, -2, -0.1], [-3, -1, -3]), // first miss at token 1, margin -1
      turn('b', [-3, -0.1], [-1, -0.05]), // first miss at token 0, margin -2
      turn('c', [-2], [-1]), // first miss at token 0, margin -1
      turn('d', [-0.1], [-3]), // clean
      turn('e', [-0.1], [-3]), // clean
      turn('f', [-5], [-1], false), // a text turn: left out
    ];
    const after = [
      turn('a', [-0.1, -0.5, -0.1], [-3, -1, -3]), // margin +0.5 (change +1.5): fixed, the turn clean
      turn('b', [-2, -0.1], [-1, -0.05]), // margin -1 (change +1), still wrong
      turn('c', [-3], [-1]), // margin -2 (change -1)
      turn('d', [-0.1], [-3]), // still clean
      turn('e', [-4], [-3]), // broken
      turn('f', [-0.1], [-1], false),
    ];
    expect(beforeAfterAtMisses(before, after)).toEqual({
      callTurns: 5, cleanBefore: 2, points: 3, higher: 2, lower: 1, p: mcnemarExact(2, 1), medianChange: 1, fixed: 1, repaired: 1, keptClean: 1,
    });
    expect(beforeAfterAtMisses(before, before)).toMatchObject({ points: 3, higher: 0, lower: 0, p: 1, medianChange: 0, fixed: 0, repaired: 0, keptClean: 2 });
  });
});

describe('turnLogps on the shipped model', () => {
  beforeAll(async () => {
    await initBackend({ order: ['wasm'] });
  });

  it('a call turn has no first miss exactly when greedy decoding gets it exactly right', async () => {
    const { model, tokenizer } = await loadCheckpoint(dirSource(resolve('models/default')));
    try {
      const samples = generateDataset(resolveDataConfig({ n: 16, seed: 41 }));
      const report = await evaluateModel(model, tokenizer, samples, { maxNewTokens: 96, batchSize: 8 });
      const { turns, skipped } = await turnLogps(model, tokenizer, samples, { batchSize: 5 });
      expect(skipped).toBe(0);
      const calls = report.turns.filter((t) => t.expected.length > 0);
      expect(calls.length).toBeGreaterThan(10);
      const probed = new Map(turns.map((t) => [`${t.sampleId}#${t.turn}`, t]));
      for (const t of calls) {
        const p = probed.get(`${t.sampleId}#${t.turn}`)!;
        expect(p.call).toBe(true);
        expect(firstMiss(p) < 0, `${t.sampleId} turn ${t.turn}: ${t.text}`).toBe(t.exact);
      }
      expect(calls.some((t) => t.exact) && calls.some((t) => !t.exact)).toBe(true); // both cases were checked
      // one sample at a time reads the same: right padding in a batch changes nothing
      const single = new Map((await turnLogps(model, tokenizer, samples, { batchSize: 1 })).turns.map((t) => [`${t.sampleId}#${t.turn}`, t]));
      expect(single.size).toBe(turns.length);
      for (const t of turns) {
        const u = single.get(`${t.sampleId}#${t.turn}`)!;
        t.truth.forEach((v, i) => expect(Math.abs(v - u.truth[i])).toBeLessThan(1e-4));
        t.bestOther.forEach((v, i) => expect(Math.abs(v - u.bestOther[i])).toBeLessThan(1e-4));
      }
    } finally {
      disposeModel(model);
    }
  });
});
