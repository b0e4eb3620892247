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
