// Forking one decoded row at several prefix lengths: the common prefix becomes the cache's shared part
// (attended once for all rows), and every branch still decodes the logits of a full forward pass over its
// own sequence, also after rows leave the batch (select), on all three model families. No tensor left behind.
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeStep, prefill } from '../../../src/core/model/decode.ts';
import { kvHeads } from '../../../src/core/model/model.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { forkCacheAt, forkCachesAt } from '../../../src/core/preference/branch_cache.ts';
import { FAMILIES, lastLogits, maxAbsDiff, randomIds, rowsOf, tf, tinyModel, useBackend } from '../model/helpers.ts';

beforeAll(() => useBackend('wasm'));

describe.each(FAMILIES)('forkCacheAt with a shared prefix (%s)', (preset) => {
  it('decodes what a full forward pass gives for every branch, before and after select', () => {
    const m = tinyModel(preset);
    const V = m.config.vocab_size;
    const prompt = randomIds(3, 1, 12, V)[0];
    const { logits, cache } = prefill(m, [prompt]);
    logits.dispose();
    const lengths = [9, 6, 12];
    const fork = forkCacheAt(cache, 0, lengths.map((length) => ({ length, logp: new Float32Array(V) })));
    expect(fork.shared).not.toBeNull();
    expect(fork.shared![0].kT.shape[1]).toBe(kvHeads(m.config) * 5);
    expect(fork.length).toBe(12 - 5); // shared P = shortest cut - 1 = 5
    const seqs = lengths.map((n) => prompt.slice(0, n));
    const step = (c: typeof fork, rows: number[], tokens: number[]): void => {
      tokens.forEach((t, i) => seqs[rows[i]].push(t));
      rowsOf(decodeStep(m, c, tokens)).forEach((l, i) => expect(maxAbsDiff(l, lastLogits(m, [seqs[rows[i]]])[0])).toBeLessThan(1e-4));
    };
    step(fork, [0, 1, 2], [5, 7, 11]);
    step(fork, [0, 1, 2], [2, 3, 4]);
    const fewer = fork.select([2, 0]); // rows leave the batch; the prefix stays shared
    fork.dispose();
    step(fewer, [2, 0], [8, 1]);
    fewer.dispose();
    cache.dispose();
    disposeModel(m);
  });
});

describe('forkCachesAt', () => {
  it('keeps no shared prefix when cuts come from different caches, and leaks no tensors', () => {
    const m = tinyModel('tiny');
    const V = m.config.vocab_size;
    const cycle = (): void => {
      const a = prefill(m, [randomIds(4, 1, 8, V)[0]]);
      const b = prefill(m, [randomIds(5, 1, 6, V)[0]]);
      const mixed = forkCachesAt([{ cache: a.cache, row: 0, length: 8, logp: new Float32Array(V) }, { cache: b.cache, row: 0, length: 4, logp: new Float32Array(V) }]);
      expect(mixed.shared).toBeNull();
      const one = forkCacheAt(a.cache, 0, [3, 7].map((length) => ({ length, logp: new Float32Array(V) })));
      const picked = one.select([1, 1, 0]);
      one.dispose();
      decodeStep(m, picked, [1, 2, 3]).dispose();
      expect(() => forkCacheAt(picked, 0, [{ length: 2, logp: new Float32Array(V) }])).toThrow(/shared prefix/);
      for (const t of [a.logits, b.logits]) t.dispose();
      for (const c of [a.cache, b.cache, mixed, picked]) c.dispose();
    };
    cycle();
    const before = tf.memory().numTensors;
    cycle();
    cycle();
    expect(tf.memory().numTensors).toBe(before);
    disposeModel(m);
  });
});
