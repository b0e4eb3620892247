// Stage hashes and config fields added later (ADDED_LATER): at its default such a field leaves a stage's hash as it
// was before the field existed, so run folders made earlier resume; any other value changes it.
import { describe, expect, it } from 'vitest';
import { ADDED_LATER, configHash } from '../../../src/core/pipeline/hash.ts';
import { DEFAULT_DPO_CONFIG, resolveDpoConfig, type DpoConfig } from '../../../src/core/train/dpo_config.ts';

/** loop/ttpa/round-1/stage.json of a tiny loop run written on 2026-12-03 at 13:10, before dpo.anchorWeight existed (19:14). */
const OLD_ROUND = {
  hash: '7b83d87a1c76b593',
  inputs: { data: '75b4359cbf26365e', sft: '8556e2f61f27e728' },
  config: {"arm": "ttpa", "round": 0, "promptsPerRound": 2, "reference": "round", "valLimit": 2, "dpo": {"lr": 0.001, "lrMinRatio": 0.1, "warmupSteps": 0, "steps": 2, "batchSize": 2, "gradAccumSteps": 1, "weightDecay": 0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-08, "maxGradNorm": 1, "seed": 3, "checkpointEvery": 0, "gradientCheckpointing": "auto", "beta": 0.1, "lossType": "sigmoid", "lossWeights": [], "dpopLambda": 0, "divergentWeight": 1, "labelSmoothing": 0, "esmGamma": 1, "esmMode": "margin", "maskSharedPrefix": false, "divergentTokens": 0, "rpoAlpha": 0, "seqLen": 400, "refBatchSize": 8, "adapter": "full", "loraRank": 8, "loraAlpha": 16, "loraTargets": ["q_proj", "k_proj", "v_proj", "o_proj"]}, "preference": {"mode": "token", "includeTextTurns": true, "topK": 5, "minTop1Prob": 1, "maxEntropy": 0, "altRatio": 0.25, "minAltProb": 0.02, "spans": ["name", "key", "value"], "maxBranchesPerPrompt": 2, "maxAltsPerPoint": 2, "forceGroundTruth": true, "groundTruthPoints": 2, "minMargin": 0, "maxNewTokens": 12, "maxBranchOverrun": 24, "temperature": 0, "branchTemperature": 0, "sampleTemperature": 1, "sampleTopK": 0, "topP": 1, "nSamples": 5, "reusePrefix": true, "forkWhileDecoding": true, "promptBatch": 1, "refLogps": true, "seed": 2}},
};

describe('config hash', () => {
  it('leaves dpo.anchorWeight out while it is 0, and sees any other value, at any depth', () => {
    const { anchorWeight, ...before } = resolveDpoConfig();
    expect(anchorWeight).toBe(0);
    expect(configHash(resolveDpoConfig())).toBe(configHash(before));
    expect(configHash(resolveDpoConfig({ anchorWeight: 1 }))).not.toBe(configHash(before));
    const round = (dpo: object) => configHash({ config: { arm: 'ttpa', dpo }, inputs: { sft: '8556e2f61f27e728' } });
    expect(round(resolveDpoConfig())).toBe(round(before));
    expect(round(resolveDpoConfig({ anchorWeight: 0.1 }))).not.toBe(round(before));
    expect(configHash([{ anchorWeight: 0 }])).toBe(configHash([{}]));
  });

  it('matches the hash of a stage recorded before dpo.anchorWeight existed, with its dpo config resolved today', () => {
    const dpo = resolveDpoConfig(OLD_ROUND.config.dpo as Partial<DpoConfig>);
    expect('anchorWeight' in OLD_ROUND.config.dpo).toBe(false);
    expect(dpo.anchorWeight).toBe(0);
    expect(configHash({ config: OLD_ROUND.config, inputs: OLD_ROUND.inputs })).toBe(OLD_ROUND.hash);
    expect(configHash({ config: { ...OLD_ROUND.config, dpo }, inputs: OLD_ROUND.inputs })).toBe(OLD_ROUND.hash);
    expect(configHash({ config: { ...OLD_ROUND.config, dpo: { ...dpo, anchorWeight: 1 } }, inputs: OLD_ROUND.inputs })).not.toBe(OLD_ROUND.hash);
  });

  it('lists each field with the default that keeps the old behaviour', () => {
    expect(ADDED_LATER).toEqual({ anchorWeight: DEFAULT_DPO_CONFIG.anchorWeight });
  });
});
