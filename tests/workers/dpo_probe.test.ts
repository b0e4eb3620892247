// The classroom's one-step demonstration in Node: one DPO step on one pair moves the pair's margin toward
// chosen, and the engine's own model is left as it was (the step runs on a copy).
import { expect, test } from 'vitest';
import { createDataApi } from '../../workers/data_api.ts';
import { createEngineApi } from '../../workers/engine_api.ts';

test('probePair: one step raises chosen over rejected on a copy; the engine model is unchanged', async () => {
  const data = createDataApi();
  const engine = createEngineApi();
  await engine.init({ order: ['cpu'] });
  const gen = await data.generate({ n: 8, seed: 3 });
  await engine.loadModel({ kind: 'preset', preset: 'tiny', seed: 0, overrides: { max_position_embeddings: 512 } }, gen.samples);
  const pairs = await engine.runPairs({ config: { maxPrompts: 2, maxNewTokens: 16, minTop1Prob: 0.99, maxEntropy: 0.01, spans: [] }, samples: gen.samples });
  const pair = pairs.pairs[0];
  expect(pair).toBeDefined();
  const a = await engine.probePair({ pair, config: { lr: 1e-2, seqLen: 256 } });
  const margin = (s: typeof a.before): number => s.chosen.logp - s.rejected.logp;
  expect(margin(a.after)).toBeGreaterThan(margin(a.before));
  for (const side of [a.before.chosen, a.before.rejected, a.after.chosen, a.after.rejected]) {
    expect(side.tokenProb).toBeGreaterThanOrEqual(0);
    expect(side.tokenProb).toBeLessThanOrEqual(1);
    expect(side.logp).toBeLessThanOrEqual(0);
  }
  // Equal policy and reference: the first step's sigmoid DPO loss is ln 2 plus the chosen NLL term (rpoAlpha 1).
  expect(a.loss).toBeGreaterThan(Math.LN2);
  const b = await engine.probePair({ pair, config: { lr: 1e-2, seqLen: 256 } });
  expect(b.before).toEqual(a.before);
  // The step is on that pair alone, also when the DPO settings carry an SFT anchor (it has no anchor samples).
  const c = await engine.probePair({ pair, config: { lr: 1e-2, seqLen: 256, anchorWeight: 1 } });
  expect(c.loss).toBe(a.loss);
}, 120_000);
