// Data-parallel replicas in the built app's engine worker: SFT and full-weight DPO with `replicas: 2` train over two
// nested module workers (workers/replica_pool.ts), each its own single-threaded wasm runtime, to the step losses of
// the engine alone (1e-4), and the run reports them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EngineApi, TrainResultSummary } from '../../src/protocol.ts';
import { tinyPairs, tinySamples } from '../workers/fixtures.ts';
import { startApp, type App } from './harness.ts';

type Stage = 'sft' | 'dpo';

/** One run in a fresh engine worker: wasm on one thread, the tiny preset, 3 steps, `replicas` data-parallel replicas. */
async function engineRun(app: App, stage: Stage, replicas: number): Promise<{ summary: TrainResultSummary; errors: string[] }> {
  const page = await app.newPage();
  await page.goto(`${app.url}tests/browser/fixtures/engine_probe.html`);
  await page.waitForFunction(() => 'probe' in window);
  const common = { steps: 3, batchSize: 3, warmupSteps: 0, lr: 3e-2, checkpointEvery: 0, replicas };
  const request = stage === 'sft'
    ? { runId: 'sft', config: { ...common, seqLen: 256 }, samples: tinySamples() }
    : { runId: 'dpo', config: { ...common, gradAccumSteps: 1, seqLen: 128, beta: 0.5 }, pairs: tinyPairs() };
  const summary = await page.evaluate(async ({ stage, request }) => {
    const engine = (window as unknown as { probe: { startEngine(): EngineApi } }).probe.startEngine();
    await engine.init({ order: ['wasm'], threads: 1 });
    await engine.loadModel({ kind: 'preset', preset: 'tiny', seed: 3 });
    return stage === 'sft' ? engine.runSft(request as Parameters<EngineApi['runSft']>[0]) : engine.runDpo(request as Parameters<EngineApi['runDpo']>[0]);
  }, { stage, request });
  await page.close();
  return { summary, errors: page.errors };
}

describe('data-parallel replicas in Web Workers', () => {
  let app: App;
  beforeAll(async () => { app = await startApp(); });
  afterAll(async () => { await app?.close(); });

  for (const stage of ['sft', 'dpo'] as const) {
    test(`${stage}: 2 replicas in Web Workers give the step losses of the engine alone (1e-4)`, async () => {
      const one = await engineRun(app, stage, 1);
      const two = await engineRun(app, stage, 2);
      expect(one.summary.losses).toHaveLength(3);
      expect(one.summary.losses[2]).not.toBe(one.summary.losses[0]);
      one.summary.losses.forEach((l, i) => expect(Math.abs(l - two.summary.losses[i]), `loss of step ${i + 1}`).toBeLessThan(1e-4));
      expect(two.summary.config.replicas).toBe(2);
      expect(two.summary.notes).toContain('2 data-parallel replicas (2 web workers, wasm 1 thread each); the engine worker summed their gradients and applied each update');
      expect([...one.errors, ...two.errors]).toEqual([]);
    }, 180_000);
  }
});
