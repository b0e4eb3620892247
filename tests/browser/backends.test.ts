// The engine worker of the built app on both browser backends: the same seeded SFT steps on webgpu
// (SwiftShader) and on wasm must give the same losses.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TrainStepsRequest, TrainStepsResult } from '../../src/protocol.ts';
import { startApp, withCpuLock, type App } from './harness.ts';

let app: App;
beforeAll(async () => { app = await startApp(); });
afterAll(async () => { await app?.close(); });

test('trains a few steps in a module worker on WebGPU and matches the wasm loss to 1e-3', async () => {
  const page = await app.newPage();
  await page.goto(`${app.url}tests/browser/fixtures/engine_probe.html`);
  await page.waitForFunction(() => 'probe' in window);
  const request: TrainStepsRequest = { preset: 'tiny', seed: 7, steps: 4, lr: 1e-2 };
  const run = (backend: 'webgpu' | 'wasm'): Promise<TrainStepsResult> => page.evaluate(async ({ backend, request }) => {
    type Engine = { init(o: object): Promise<{ backend: string }>; trainSteps(r: object): Promise<TrainStepsResult> };
    const engine = (window as unknown as { probe: { startEngine(): Engine } }).probe.startEngine();
    const report = await engine.init({ order: [backend] });
    if (report.backend !== backend) throw new Error(`asked for ${backend}, got ${report.backend}`);
    return engine.trainSteps(request);
  }, { backend, request });
  const gpu = await withCpuLock(() => run('webgpu'));
  const wasm = await run('wasm');
  console.log(`webgpu ${gpu.stepMs.toFixed(0)} ms/step, wasm ${wasm.stepMs.toFixed(0)} ms/step; losses`, gpu.losses, wasm.losses);
  expect(gpu.backend).toBe('webgpu');
  expect(wasm.backend).toBe('wasm');
  expect(gpu.losses).toHaveLength(4);
  expect(gpu.losses[3]).toBeLessThan(gpu.losses[0]);
  gpu.losses.forEach((loss, i) => expect(Math.abs(loss - wasm.losses[i])).toBeLessThan(1e-3));
  expect(page.errors).toEqual([]);
  await page.close();
});
