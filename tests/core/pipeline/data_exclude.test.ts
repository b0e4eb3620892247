import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../../src/core/data/generate.ts';
import type { Sample } from '../../../src/core/data/sample.ts';
import { leakKeys } from '../../../src/core/data/split.ts';
import { resolvePipelineConfig } from '../../../src/core/pipeline/config.ts';
import { dataStage, readSamples } from '../../../src/core/pipeline/stages.ts';
import { memoryStore } from '../../../src/core/pipeline/store.ts';

const tiny = JSON.parse(readFileSync(new URL('../../../models/presets/tiny.json', import.meta.url), 'utf8'));
const withExclude = (exclude: unknown) => ({ ...tiny, data: { n: 400, exclude } });

describe('pipeline data.exclude', () => {
  it('drops every generated sample that shares a call or question with the held-out datasets', async () => {
    const r = resolvePipelineConfig(withExclude([{ n: 300, seed: 7 }, { n: 200, seed: 8, mix: { single: 1, multi_step: 0, parallel: 0, multi_turn: 0, irrelevance: 0 } }]));
    expect(r.dataExclude.map((c) => [c.n, c.seed, c.mix.single])).toEqual([[300, 7, 0.4], [200, 8, 1]]);
    expect(r.data).not.toHaveProperty('exclude');
    const store = memoryStore();
    const logs: string[] = [];
    const rec = await dataStage({ store, events: { log: (l) => logs.push(l) } }, r);

    const heldKeys = new Set(r.dataExclude.flatMap((c) => generateDataset(c)).flatMap(leakKeys));
    const kept: Sample[] = [...await readSamples(store, 'train'), ...await readSamples(store, 'val'), ...await readSamples(store, 'test')];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.filter((s) => leakKeys(s).some((k) => heldKeys.has(k)))).toEqual([]);
    // what was dropped is exactly the generated samples that share a key
    const generated = generateDataset(r.data);
    const sharing = generated.filter((s) => leakKeys(s).some((k) => heldKeys.has(k))).length;
    expect(sharing).toBeGreaterThan(0);
    expect(rec.summary.excluded).toBe(sharing);
    expect(kept.length + rec.summary.unrenderable).toBe(generated.length - sharing);
    expect(logs.some((l) => l.includes(`data.exclude dropped ${sharing} of 400 generated samples`))).toBe(true);
  });

  it('keeps the stage identity of a run without it, and reruns the stage when it changes', async () => {
    const store = memoryStore();
    const plain = await dataStage({ store, events: {} }, resolvePipelineConfig({ ...tiny, data: { n: 400 } }));
    expect(plain.summary).not.toHaveProperty('excluded');
    expect((await dataStage({ store, events: {} }, resolvePipelineConfig(withExclude([])))).skipped).toBe(true);
    const excluded = await dataStage({ store, events: {} }, resolvePipelineConfig(withExclude([{ n: 100, seed: 3 }])));
    expect(excluded.skipped).toBeFalsy();
    expect(excluded.hash).not.toBe(plain.hash);
  });

  it('names a bad exclude entry', () => {
    expect(() => resolvePipelineConfig(withExclude({ n: 5 }))).toThrow('pipeline.data.exclude must be a list of data configs');
    expect(() => resolvePipelineConfig(withExclude([7]))).toThrow('pipeline.data.exclude[0] must be a data config object, got 7');
    expect(() => resolvePipelineConfig(withExclude([{ n: 5 }, { n: 0 }]))).toThrow('pipeline.data.exclude[1]: data.n must be an integer >= 1, got 0');
    expect(() => resolvePipelineConfig(withExclude([{ seeed: 1 }]))).toThrow('pipeline.data.exclude[0]: data.seeed is not a data config field');
  });
});
