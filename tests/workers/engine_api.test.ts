// The engine API object driven directly in Node (no Worker): backend init and status.
import { describe, expect, test } from 'vitest';
import { createEngineApi } from '../../workers/engine_api.ts';

describe('engine api', () => {
  test('init picks a backend, reports what it skipped, and is idempotent', async () => {
    const api = createEngineApi();
    await expect(api.status()).rejects.toThrow(/init\(\) first/);
    const report = await api.init({ order: ['webgpu', 'cpu'] });
    expect(report.backend).toBe('cpu');
    expect(report.skipped).toEqual([{ backend: 'webgpu', reason: expect.stringMatching(/navigator\.gpu/) }]);
    expect(await api.init({ order: ['wasm'] })).toBe(report);
    const status = await api.status();
    expect(status.backend.backend).toBe('cpu');
    expect(status.memory.numTensors).toBeGreaterThanOrEqual(0);
  });
});
