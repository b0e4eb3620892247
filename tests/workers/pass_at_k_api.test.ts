// The Evaluate panel's headroom line through the engine API, on the shipped model: the same figures as core's
// passAtK (and so `ttpa eval --pass-at-k`) at the same seed, each turn paired with the greedy report; stop ends it
// with nothing; the settings are checked by name.
import { readFileSync, readdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { headroomRow } from '../../src/core/pipeline/headroom_rows.ts';
import { passAtK } from '../../src/core/pipeline/pass_at_k.ts';
import { loadCheckpoint } from '../../src/core/runtime/checkpoint.ts';
import { dirSource } from '../../src/cli/files.ts';
import { createDataApi } from '../../workers/data_api.ts';
import { createEngineApi } from '../../workers/engine_api.ts';

test('pass@k through the engine equals core passAtK at the same seed, pairs with the greedy report, and stops', async () => {
  const data = createDataApi();
  const engine = createEngineApi({ progressMs: 0 });
  await engine.init({ order: ['wasm'] });
  const files = readdirSync('models/default').filter((f) => !f.endsWith('.md')).map((f) => new File([readFileSync(`models/default/${f}`)], f));
  await engine.loadModel({ kind: 'files', files, label: 'default' });
  const { samples: all } = await data.generate({ n: 8, seed: 23 });
  const samples = all.slice(0, 6);
  const config = { maxNewTokens: 48, passAtK: 4, passTemperature: 0.7, seed: 5 };

  const measured = (await engine.passAtK({ config, samples }))!;
  const { model, tokenizer } = await loadCheckpoint(dirSource('models/default'));
  const direct = await passAtK(model, tokenizer, samples, { k: 4, temperature: 0.7, maxNewTokens: 48, seed: 5 });
  expect(measured).toEqual(direct);
  const turns = samples.reduce((n, s) => n + s.messages.filter((m) => m.role === 'assistant').length, 0);
  expect(measured.turns + measured.skipped).toBe(turns);
  expect(measured.perTurn!.filter((t) => t.exact > 0).length / measured.turns).toBeCloseTo(measured.passAtK, 12);
  // a different seed draws other samples (else "the same seed" above would prove little)
  const other = (await engine.passAtK({ config: { ...config, seed: 6 }, samples }))!;
  expect(other.perTurn!.map((t) => t.exact)).not.toEqual(measured.perTurn!.map((t) => t.exact));

  const report = await data.evaluate(samples, await engine.predict({ config, samples }));
  const row = headroomRow(measured, report)!;
  expect(row.turns).toBe(measured.turns);
  expect(row.reachable).toBeLessThanOrEqual(row.greedyWrong);
  expect(row.greedyWrong).toBe(report.turns.filter((t) => !t.exact).length);

  // stopped after two turns: nothing comes back, and the engine takes the next job
  let last = 0;
  const stopped = await engine.passAtK({ config, samples }, (p) => { last = p.step; if (p.step === 2) void engine.control('stop'); });
  expect(stopped).toBeUndefined();
  expect(last).toBeLessThan(turns);
  expect((await engine.passAtK({ config: { ...config, passAtK: 2 }, samples: samples.slice(0, 1) }))!.k).toBe(2);

  await expect(engine.passAtK({ config: { ...config, passAtK: 0 }, samples })).rejects.toThrow('evaluate.passAtK is 0: set the samples a turn (e.g. 8) to measure pass@k');
  await expect(engine.passAtK({ config, samples: [] })).rejects.toThrow('pass@k: no samples to measure');
  for (const k of [1, 2.5, 65, -1]) await expect(engine.resolveConfig('evaluate', { passAtK: k })).rejects.toThrow(`evaluate.passAtK must be 0 (off) or an integer from 2 to 64 (samples a turn), got ${k}`);
  await expect(engine.resolveConfig('evaluate', { passTemperature: 0 })).rejects.toThrow('evaluate.passTemperature must be a number > 0 and <= 10, got 0');
  expect(await engine.resolveConfig('evaluate', {})).toMatchObject({ passAtK: 0, passTemperature: 0.7 });
}, 300_000);
