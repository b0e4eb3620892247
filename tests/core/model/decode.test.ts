import { beforeAll, describe, expect, it } from 'vitest';
import { decodeStep, prefill } from '../../../src/core/model/decode.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { FAMILIES, lastLogits, maxAbsDiff, randomIds, rowsOf, tf, tinyModel, useBackend } from './helpers.ts';

beforeAll(() => useBackend('wasm'));

describe.each(FAMILIES)('KV-cache decoding (%s)', (preset) => {
  it('equals the full forward pass, with ragged left-padded prompts and after select', () => {
    const m = tinyModel(preset);
    const V = m.config.vocab_size;
    const prompts = [randomIds(1, 1, 5, V)[0], randomIds(2, 1, 3, V)[0]];
    const { logits, cache } = prefill(m, prompts);
    expect(cache.length).toBe(5);
    rowsOf(logits).forEach((l, b) => expect(maxAbsDiff(l, lastLogits(m, [prompts[b]])[0])).toBeLessThan(1e-4));
    const seqs = prompts.map((p) => p.slice());
    for (let step = 0; step < 4; step++) {
      const tokens = seqs.map((_, b) => (step * 7 + b * 3 + 1) % V);
      tokens.forEach((t, b) => seqs[b].push(t));
      const got = rowsOf(decodeStep(m, cache, tokens));
      const want = lastLogits(m, seqs);
      got.forEach((l, b) => expect(maxAbsDiff(l, want[b])).toBeLessThan(1e-4));
    }
    expect(cache.length).toBe(9);
    // Fork row 1 into three branches and row 0 once; each continues with its own token.
    const forked = cache.select([1, 1, 0, 1]);
    const branchSeqs = [1, 1, 0, 1].map((r) => seqs[r].slice());
    const forkTokens = [2, 9, 4, 11];
    forkTokens.forEach((t, i) => branchSeqs[i].push(t));
    const got = rowsOf(decodeStep(m, forked, forkTokens));
    const want = lastLogits(m, branchSeqs);
    got.forEach((l, i) => expect(maxAbsDiff(l, want[i])).toBeLessThan(1e-4));
    expect(forked.batch).toBe(4);
    expect(cache.batch).toBe(2); // the source cache is untouched
    forked.dispose();
    cache.dispose();
    disposeModel(m);
  });
});

describe('KV cache memory', () => {
  it('keeps tensor count flat across prefill/decode/select/dispose', () => {
    const m = tinyModel('tiny');
    const cycle = (): void => {
      const { logits, cache } = prefill(m, [[1, 2, 3], [4, 5]]);
      logits.dispose();
      for (let i = 0; i < 3; i++) decodeStep(m, cache, [6, 7]).dispose();
      const fork = cache.select([0, 0, 1]);
      decodeStep(m, fork, [1, 2, 3]).dispose();
      fork.dispose();
      cache.dispose();
    };
    cycle();
    const before = tf.memory().numTensors;
    cycle();
    cycle();
    expect(tf.memory().numTensors).toBe(before);
    disposeModel(m);
  });

  it('sees weight updates (cached inference transposes are invalidated on assign)', () => {
    const m = tinyModel('tiny');
    const prompt = [1, 2, 3, 4];
    const run = (): number => {
      const { logits, cache } = prefill(m, [prompt]);
      const got = logits.dataSync() as Float32Array;
      logits.dispose();
      cache.dispose();
      return maxAbsDiff(got, lastLogits(m, [prompt])[0]);
    };
    expect(run()).toBeLessThan(1e-4);
    const w = m.params['model.layers.0.mlp.up_proj.weight'];
    w.assign(tf.tidy(() => tf.mul(w, -2)));
    expect(run()).toBeLessThan(1e-4);
    disposeModel(m);
  });

  it('rejects right padding and wrong token counts', () => {
    const m = tinyModel('tiny');
    expect(() => prefill(m, [[1, 2, 0]], { attentionMask: [[1, 1, 0]] })).toThrow(/padding must be on the left/);
    const { logits, cache } = prefill(m, [[1, 2]]);
    logits.dispose();
    expect(() => decodeStep(m, cache, [1, 2])).toThrow(/expected 1 tokens/);
    expect(() => cache.select([1])).toThrow(/out of range/);
    cache.dispose();
    disposeModel(m);
    const g = tinyModel('tiny-gpt2', 1, { max_position_embeddings: 4 });
    const run = prefill(g, [[1, 2, 3, 4]]);
    run.logits.dispose();
    expect(() => decodeStep(g, run.cache, [5])).toThrow(/exceeds max_position_embeddings 4/);
    run.cache.dispose();
    disposeModel(g);
  });
});
