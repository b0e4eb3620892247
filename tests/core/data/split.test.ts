import { describe, expect, it } from 'vitest';
import { resolveDataConfig } from '../../../src/core/data/config.ts';
import { generateDataset } from '../../../src/core/data/generate.ts';
import { callSignatures, canonicalJson, splitSamples } from '../../../src/core/data/split.ts';

describe('splitSamples', () => {
  const samples = generateDataset(resolveDataConfig({ n: 400, seed: 11 }));
  const r = splitSamples(samples, { val: 0.05, test: 0.1 }, 11);

  it('keeps every sample once and hits the target sizes', () => {
    expect(r.train.length + r.val.length + r.test.length).toBe(400);
    expect(new Set([...r.train, ...r.val, ...r.test].map((s) => s.id)).size).toBe(400);
    expect(r.report.counts).toEqual({ train: r.train.length, val: r.val.length, test: r.test.length });
    expect(r.test.length).toBe(40);
    expect(r.val.length).toBe(20);
  });

  it('shares no (tool, arguments) call between test or val and train', () => {
    const train = new Set(r.train.flatMap(callSignatures));
    for (const s of [...r.test, ...r.val]) for (const sig of callSignatures(s)) expect(train.has(sig)).toBe(false);
    expect(r.report.testSignaturesInTrain).toBe(0);
    expect(r.report.valSignaturesInTrain).toBe(0);
  });

  it('is deterministic and canonicalises argument order', () => {
    expect(splitSamples(samples, { val: 0.05, test: 0.1 }, 11).test.map((s) => s.id)).toEqual(r.test.map((s) => s.id));
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
