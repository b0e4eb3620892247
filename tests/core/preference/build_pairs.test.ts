import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import type { Model } from '../../../src/core/model/params.ts';
import { createRng } from '../../../src/core/rng.ts';
import { resolvePreferenceConfig } from '../../../src/core/preference/config.ts';
import { buildPairs, buildPairsForSample } from '../../../src/core/preference/build_pairs.ts';
import { pairsToTrlJsonl, validateTrlRecord } from '../../../src/core/preference/trl_export.ts';
import { SAMPLES, testTokenizer, trainedModel, useWasm } from './fixture.ts';

let model: Model;
beforeAll(async () => {
  await useWasm();
  const t0 = performance.now();
  model = trainedModel(SAMPLES.slice(0, 2));
  console.log('train ms', performance.now() - t0);
}, 60_000);

describe('buildPairsForSample (token mode, a model torn between two cities)', () => {
  it('finds the divergence in the value and prefers the right city', async () => {
    const tok = testTokenizer();
    const cfg = resolvePreferenceConfig({ maxNewTokens: 40 });
    const r = await buildPairsForSample(model, tok, SAMPLES[0], 1, cfg, createRng(1));
    console.log(r.trajectory!.text, r.trajectory!.tokens.map((t) => [t.text, t.prob.toFixed(2), t.span]));
    console.log(r.divergences, r.branches, r.pairs.map((p) => [p.prefix, p.chosen.text, p.rejected.text, p.margin]));
  });
});
