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

describe('engine api trainSteps', () => {
  test('a seeded run is repeatable, lowers the loss and leaks no tensors', async () => {
    const api = createEngineApi();
    await api.init({ order: ['cpu'] });
    const request = { preset: 'tiny', seed: 3, steps: 6, lr: 1e-2 };
    const a = await api.trainSteps(request);
    const tensors = (await api.status()).memory.numTensors;
    const b = await api.trainSteps(request);
    expect((await api.status()).memory.numTensors).toBe(tensors);
    expect(a.backend).toBe('cpu');
    expect(a.losses).toHaveLength(6);
    expect(b.losses).toEqual(a.losses);
    expect(a.losses[0]).toBeGreaterThan(Math.log(64) - 0.2);
    expect(a.losses[5]).toBeLessThan(a.losses[0]);
  });
});
