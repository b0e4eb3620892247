// The data API object driven directly in Node (no Worker): dataset JSONL import/export.
import { describe, expect, test } from 'vitest';
import type { Sample } from '../../src/protocol.ts';
import { createDataApi } from '../../workers/data_api.ts';

const sample: Sample = {
  id: 's1',
  messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }],
  tools: [],
  meta: { category: 'irrelevance', domains: [] },
};

describe('data api', () => {
  test('dataset JSONL round trip through core\'s native format, with a leakage-free split', async () => {
    const api = createDataApi();
    const { samples } = await api.generate({ n: 20, seed: 4 });
    const text = await api.exportDataset(samples);
    expect(text.trim().split('\n')).toHaveLength(20);
    const back = await api.importDataset(text, 'native', 'x.jsonl', { val: 0, test: 0.25 });
    expect(back.samples).toEqual(samples);
    expect(back.errors).toEqual([]);
    expect(back.splits.train.length + back.splits.test.length).toBe(20);
    expect(back.splits.test.length).toBeGreaterThan(0);
  });

  test('import reports bad lines by file and line, and fails when nothing is readable', async () => {
    const api = createDataApi();
    const good = await api.exportDataset([sample]);
    const r = await api.importDataset(`${good}{oops\n`, 'native', 'd.jsonl');
    expect(r.samples).toHaveLength(1);
    expect(r.errors).toEqual([expect.stringMatching(/^d\.jsonl:2: /)]);
    await expect(api.importDataset('{oops', 'native', 'd.jsonl')).rejects.toThrow(/no sample could be read from d\.jsonl: d\.jsonl:1/);
  });

  test('TRL export is messages + tools per line', async () => {
    const api = createDataApi();
    const rows = (await api.exportDataset([sample], 'trl')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([{ messages: sample.messages, tools: sample.tools }]);
  });
});

describe('data api generate', () => {
  test('matches core generateDataset for the same config, with progress', async () => {
    const { generateDataset } = await import('../../src/core/data/generate.ts');
    const { resolveDataConfig } = await import('../../src/core/data/config.ts');
    const api = createDataApi({ progressMs: 0 });
    const steps: number[] = [];
    const result = await api.generate({ n: 12, seed: 5 }, (p) => steps.push(p.step));
    expect(result.outcome).toBe('done');
    expect(result.samples).toEqual(generateDataset(resolveDataConfig({ n: 12, seed: 5 })));
    expect(steps.at(-1)).toBe(12);
    await expect(api.resolveConfig({ n: 0 })).rejects.toThrow(/data\.n must be an integer >= 1/);
  });

  test('stop keeps the samples finished so far', async () => {
    const api = createDataApi({ progressMs: 0 });
    const result = await api.generate({ n: 64, seed: 1 }, (p) => { if (p.step === 20) void api.control('stop'); });
    expect(result.outcome).toBe('stopped');
    expect(result.samples.length).toBe(32);
  });
});
