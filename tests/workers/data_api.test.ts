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
  test('dataset JSONL round trip', async () => {
    const api = createDataApi();
    const text = await api.exportDataset([sample, { ...sample, id: 's2' }]);
    expect(text.split('\n')).toHaveLength(3);
    expect(await api.importDataset(text)).toEqual([sample, { ...sample, id: 's2' }]);
  });

  test('import names the bad line', async () => {
    const api = createDataApi();
    await expect(api.importDataset(`${JSON.stringify(sample)}\n{oops`)).rejects.toThrow(/line 2/);
    await expect(api.importDataset('{"id": "x"}')).rejects.toThrow(/line 1: no "messages"/);
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
