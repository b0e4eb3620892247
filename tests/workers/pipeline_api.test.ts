// The two worker APIs together in Node, as the page drives them: generate -> SFT -> pairs -> DPO ->
// predict -> evaluate -> TRL export, on a tiny preset (cpu backend).
import { expect, test } from 'vitest';
import { createDataApi } from '../../workers/data_api.ts';
import { createEngineApi } from '../../workers/engine_api.ts';

test('data -> sft -> pairs -> dpo -> evaluate -> export on a tiny preset', async () => {
  const data = createDataApi();
  const engine = createEngineApi();
  await engine.init({ order: ['cpu'] });
  const gen = await data.generate({ n: 12, seed: 3 });
  expect(gen.samples).toHaveLength(12);
  expect(gen.splits.train.length + gen.splits.val.length + gen.splits.test.length).toBe(12);
  const train = gen.samples.filter((s) => gen.splits.train.includes(s.id));
  await engine.loadModel({ kind: 'preset', preset: 'tiny', seed: 0, overrides: { max_position_embeddings: 512 } }, gen.samples);

  const sft = await engine.runSft({ runId: 'sft-1', config: { steps: 2, batchSize: 2, warmupSteps: 0, seqLen: 128, checkpointEvery: 0 }, samples: train });
  expect(sft).toMatchObject({ outcome: 'done', step: 2, checkpointId: 'sft-1-checkpoint-2' });

  const pairs = await engine.runPairs({ config: { maxPrompts: 2, maxNewTokens: 16, minTop1Prob: 0.99, maxEntropy: 0.01, spans: [] }, samples: train });
  expect(pairs.stats.prompts).toBeGreaterThan(0);
  expect(pairs.details).toHaveLength(pairs.stats.prompts);
  expect(pairs.details[0].trajectory?.tokens.length).toBeGreaterThan(0);
  expect(pairs.pairs.length).toBeGreaterThan(0);

  const dpo = await engine.runDpo({ runId: 'dpo-1', config: { steps: 2, batchSize: 2, warmupSteps: 0, seqLen: 256, checkpointEvery: 0 }, pairs: pairs.pairs });
  expect(dpo).toMatchObject({ outcome: 'done', step: 2, checkpointId: 'dpo-1-checkpoint-2' });

  const test = gen.samples.slice(0, 2);
  const predictions = await engine.predict({ config: { maxNewTokens: 12, seed: 0 }, samples: test });
  expect(predictions.length).toBe(test.reduce((n, s) => n + s.messages.filter((m) => m.role === 'assistant').length, 0));
  // the Eval panel's call bias moves the first token's call-or-answer choice, as `ttpa eval --call-bias` does
  const forced = await engine.predict({ config: { maxNewTokens: 12, seed: 0, callBias: 50 }, samples: test });
  const forbidden = await engine.predict({ config: { maxNewTokens: 12, seed: 0, callBias: -50 }, samples: test });
  expect(forced.map((p) => p.text.startsWith('<tool_call>'))).toEqual(forced.map(() => true));
  expect(forbidden.map((p) => p.text.startsWith('<tool_call>'))).toEqual(forbidden.map(() => false));
  await expect(engine.resolveConfig('evaluate', { callBias: 'x' })).rejects.toThrow('evaluate.callBias must be a number (nats; 0 = plain greedy), got "x"');
  const report = await data.evaluate(test, predictions);
  expect(report.overall.turns).toBe(predictions.length);
  const cmp = await data.compare([{ name: 'before', report }, { name: 'after', report }]);
  expect(cmp.rows.length).toBeGreaterThan(3);

  const exported = await data.exportPairs(pairs.pairs);
  expect(exported.problems).toEqual([]);
  expect(exported.jsonl.trim().split('\n')).toHaveLength(pairs.pairs.length);
}, 240_000);
