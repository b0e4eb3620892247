// The Evaluate panel's "Call threshold: validation" through the engine API, on the shipped model: the bias chosen on
// validation samples is the grid's lowest error there, and decoding those samples at a bias (predict with callBias)
// scores exactly the point (error, calls, spurious, missed) the scan gave it.
import { readFileSync, readdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { DEFAULT_LOOP_CONFIG } from '../../src/core/pipeline/loop_config.ts';
import { biasGrid, biasPoint } from '../../src/core/scoring/call_calibration.ts';
import { createDataApi } from '../../workers/data_api.ts';
import { createEngineApi } from '../../workers/engine_api.ts';

test('calibrate chooses the lowest validation error of the grid, and predicting at a bias reads the point the scan gave it', async () => {
  const data = createDataApi();
  const engine = createEngineApi();
  await engine.init({ order: ['wasm'] });
  const files = readdirSync('models/default').filter((f) => !f.endsWith('.md')).map((f) => new File([readFileSync(`models/default/${f}`)], f));
  await engine.loadModel({ kind: 'files', files, label: 'default' });
  const { samples } = await data.generate({ n: 14, seed: 23 });
  const config = { maxNewTokens: 64, batchSize: 8 };

  const choice = (await engine.calibrate({ config, samples }))!;
  expect(choice.points.map((p) => p.bias)).toEqual(biasGrid(DEFAULT_LOOP_CONFIG.calibrateSpan, DEFAULT_LOOP_CONFIG.calibrateStep));
  expect(choice.turns).toBe(samples.reduce((n, s) => n + s.messages.filter((m) => m.role === 'assistant').length, 0));
  expect(choice.greedy).toEqual(choice.points.find((p) => p.bias === 0));
  expect(choice.chosen.errorRate).toBe(Math.min(...choice.points.map((p) => p.errorRate)));

  // a bias that changes decisions (else the check below proves little), the chosen one, and plain greedy
  const moving = choice.points.find((p) => p.calls !== choice.greedy.calls);
  expect(moving).toBeDefined();
  for (const p of [choice.greedy, choice.chosen, moving!]) {
    const predictions = await engine.predict({ config: { ...config, callBias: p.bias }, samples });
    const report = await data.evaluate(samples, predictions);
    expect(biasPoint(report.turns, p.bias)).toEqual(p); // error, calls, spurious and missed
  }

  await expect(engine.calibrate({ config, samples: [] })).rejects.toThrow('calibrate: no validation samples to set the call threshold on');
  await expect(engine.resolveConfig('evaluate', { callThreshold: 'auto' })).rejects.toThrow(`evaluate.callThreshold must be 'fixed' (callBias as set) or 'validation' (each model's bias set on validation), got "auto"`);
  await expect(engine.resolveConfig('evaluate', { callThreshold: 'validation', callBias: -1 })).rejects.toThrow(`evaluate.callBias must be 0 with callThreshold 'validation' (each model's bias is set on validation), got -1`);
  await expect(engine.resolveConfig('evaluate', { calibrateSamples: 0 })).rejects.toThrow('evaluate.calibrateSamples must be an integer >= 1, got 0');
}, 300_000);
