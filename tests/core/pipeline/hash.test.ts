// Stage hashes and config fields added later (ADDED_LATER): at its default such a field, absent from a stage's record,
// leaves the hash the stage compares as it was before the field existed, so run folders made earlier resume; any
// other value changes it, and records that have the field compare with the plain hash.
import { describe, expect, it } from 'vitest';
import { ADDED_LATER, configHash, hashAsRecorded } from '../../../src/core/pipeline/hash.ts';
import { runStage, STAGE_FILE } from '../../../src/core/pipeline/stage.ts';
import { memoryStore } from '../../../src/core/pipeline/store.ts';
import { DEFAULT_SFT_CONFIG } from '../../../src/core/train/config.ts';
import { DEFAULT_DPO_CONFIG, resolveDpoConfig, type DpoConfig } from '../../../src/core/train/dpo_config.ts';

/** loop/ttpa/round-1/stage.json of a tiny loop run written on 2026-12-03 at 13:10, before dpo.anchorWeight existed (19:14). */
const OLD_ROUND = {
  hash: '7b83d87a1c76b593',
  inputs: { data: '75b4359cbf26365e', sft: '8556e2f61f27e728' },
  config: {"arm": "ttpa", "round": 0, "promptsPerRound": 2, "reference": "round", "valLimit": 2, "dpo": {"lr": 0.001, "lrMinRatio": 0.1, "warmupSteps": 0, "steps": 2, "batchSize": 2, "gradAccumSteps": 1, "weightDecay": 0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-08, "maxGradNorm": 1, "seed": 3, "checkpointEvery": 0, "gradientCheckpointing": "auto", "beta": 0.1, "lossType": "sigmoid", "lossWeights": [], "dpopLambda": 0, "divergentWeight": 1, "labelSmoothing": 0, "esmGamma": 1, "esmMode": "margin", "maskSharedPrefix": false, "divergentTokens": 0, "rpoAlpha": 0, "seqLen": 400, "refBatchSize": 8, "adapter": "full", "loraRank": 8, "loraAlpha": 16, "loraTargets": ["q_proj", "k_proj", "v_proj", "o_proj"]}, "preference": {"mode": "token", "includeTextTurns": true, "topK": 5, "minTop1Prob": 1, "maxEntropy": 0, "altRatio": 0.25, "minAltProb": 0.02, "spans": ["name", "key", "value"], "maxBranchesPerPrompt": 2, "maxAltsPerPoint": 2, "forceGroundTruth": true, "groundTruthPoints": 2, "minMargin": 0, "maxNewTokens": 12, "maxBranchOverrun": 24, "temperature": 0, "branchTemperature": 0, "sampleTemperature": 1, "sampleTopK": 0, "topP": 1, "nSamples": 5, "reusePrefix": true, "forkWhileDecoding": true, "promptBatch": 1, "refLogps": true, "seed": 2}},
};

describe('config hash', () => {
  it('leaves dpo.anchorWeight 0 out for a record without it, and sees any other value, at any depth', () => {
    const { anchorWeight, ...before } = resolveDpoConfig();
    expect(anchorWeight).toBe(0);
    expect(hashAsRecorded(resolveDpoConfig(), before)).toBe(configHash(before));
    expect(hashAsRecorded(resolveDpoConfig({ anchorWeight: 1 }), before)).not.toBe(configHash(before));
    // A record made after the field existed has it: the plain hash, as before this rule.
    expect(hashAsRecorded(resolveDpoConfig(), resolveDpoConfig())).toBe(configHash(resolveDpoConfig()));
    expect(configHash(resolveDpoConfig())).not.toBe(configHash(before));
    const round = (dpo: object) => ({ config: { arm: 'ttpa', dpo }, inputs: { sft: '8556e2f61f27e728' } });
    expect(hashAsRecorded(round(resolveDpoConfig()), round(before))).toBe(configHash(round(before)));
    expect(hashAsRecorded(round(resolveDpoConfig({ anchorWeight: 0.1 })), round(before))).not.toBe(configHash(round(before)));
    expect(hashAsRecorded([{ anchorWeight: 0 }], [{}])).toBe(configHash([{}]));
    expect(hashAsRecorded({ other: { anchorWeight: 0 } }, { other: { anchorWeight: 0 } })).toBe(configHash({ other: { anchorWeight: 0 } }));
  });

  it('matches the hash of a stage recorded before dpo.anchorWeight existed, with its dpo config resolved today', () => {
    const dpo = resolveDpoConfig(OLD_ROUND.config.dpo as Partial<DpoConfig>);
    expect('anchorWeight' in OLD_ROUND.config.dpo).toBe(false);
    expect(dpo.anchorWeight).toBe(0);
    const recorded = { config: OLD_ROUND.config, inputs: OLD_ROUND.inputs };
    expect(configHash(recorded)).toBe(OLD_ROUND.hash);
    expect(hashAsRecorded({ config: { ...OLD_ROUND.config, dpo }, inputs: OLD_ROUND.inputs }, recorded)).toBe(OLD_ROUND.hash);
    expect(hashAsRecorded({ config: { ...OLD_ROUND.config, dpo: { ...dpo, anchorWeight: 1 } }, inputs: OLD_ROUND.inputs }, recorded)).not.toBe(OLD_ROUND.hash);
  });

  it('runStage skips a stage recorded before the field, and reruns it when the field is set', async () => {
    const store = memoryStore();
    const { anchorWeight: _, ...before } = resolveDpoConfig();
    const inputs = { sft: '8556e2f61f27e728' };
    const record = { stage: 'dpo/token', hash: configHash({ config: before, inputs }), config: before, inputs, outputs: {}, elapsedMs: 1, finishedAt: '', summary: 'old' };
    await store.writeFiles('dpo/token', { [STAGE_FILE]: JSON.stringify(record) });
    let runs = 0;
    const body = async () => { runs++; return 'new'; };
    const skipped = await runStage(store, 'dpo/token', resolveDpoConfig(), inputs, {}, body);
    expect(skipped).toMatchObject({ skipped: true, hash: record.hash, summary: 'old' });
    expect(runs).toBe(0);
    const rerun = await runStage(store, 'dpo/token', resolveDpoConfig({ anchorWeight: 1 }), inputs, {}, body);
    expect(rerun).toMatchObject({ summary: 'new', hash: configHash({ config: resolveDpoConfig({ anchorWeight: 1 }), inputs }) });
    expect(runs).toBe(1);
  });

  it('leaves dpo.pairFilter \'all\' out for a record without it (the OLD_ROUND stage too); any other filter reruns', () => {
    const { pairFilter, ...before } = resolveDpoConfig({ anchorWeight: 1 });
    expect(pairFilter).toBe('all');
    expect(hashAsRecorded(resolveDpoConfig({ anchorWeight: 1 }), before)).toBe(configHash(before));
    expect(hashAsRecorded(resolveDpoConfig({ anchorWeight: 1, pairFilter: 'error-fix' }), before)).not.toBe(configHash(before));
    expect(configHash(resolveDpoConfig())).not.toBe(configHash({ ...resolveDpoConfig(), pairFilter: undefined }));
    const dpo = resolveDpoConfig(OLD_ROUND.config.dpo as Partial<DpoConfig>);
    expect('pairFilter' in OLD_ROUND.config.dpo).toBe(false);
    const recorded = { config: OLD_ROUND.config, inputs: OLD_ROUND.inputs };
    expect(hashAsRecorded({ config: { ...OLD_ROUND.config, dpo }, inputs: OLD_ROUND.inputs }, recorded)).toBe(OLD_ROUND.hash);
    expect(hashAsRecorded({ config: { ...OLD_ROUND.config, dpo: { ...dpo, pairFilter: 'error-fix' } }, inputs: OLD_ROUND.inputs }, recorded)).not.toBe(OLD_ROUND.hash);
  });

  it('leaves dpo.anchorPerPair 0 (auto) out for a record without it (the OLD_ROUND stage too); a fixed dose reruns', () => {
    const { anchorPerPair, ...before } = resolveDpoConfig({ anchorWeight: 1, pairFilter: 'one-per-turn' });
    expect(anchorPerPair).toBe(0);
    expect(hashAsRecorded(resolveDpoConfig({ anchorWeight: 1, pairFilter: 'one-per-turn' }), before)).toBe(configHash(before));
    expect(hashAsRecorded(resolveDpoConfig({ anchorWeight: 1, pairFilter: 'one-per-turn', anchorPerPair: 2 }), before)).not.toBe(configHash(before));
    const dpo = resolveDpoConfig(OLD_ROUND.config.dpo as Partial<DpoConfig>);
    const recorded = { config: OLD_ROUND.config, inputs: OLD_ROUND.inputs };
    expect(hashAsRecorded({ config: { ...OLD_ROUND.config, dpo }, inputs: OLD_ROUND.inputs }, recorded)).toBe(OLD_ROUND.hash);
    expect(hashAsRecorded({ config: { ...OLD_ROUND.config, dpo: { ...dpo, anchorPerPair: 1 } }, inputs: OLD_ROUND.inputs }, recorded)).not.toBe(OLD_ROUND.hash);
  });

  it('lists each field with the default that keeps the old behaviour; records from each era match', () => {
    expect(ADDED_LATER).toEqual({ gradientCheckpointing: DEFAULT_DPO_CONFIG.gradientCheckpointing, anchorWeight: DEFAULT_DPO_CONFIG.anchorWeight, pairFilter: DEFAULT_DPO_CONFIG.pairFilter, anchorPerPair: DEFAULT_DPO_CONFIG.anchorPerPair, pairWarmupSteps: DEFAULT_DPO_CONFIG.pairWarmupSteps });
    expect(DEFAULT_SFT_CONFIG.gradientCheckpointing).toBe(ADDED_LATER.gradientCheckpointing);
    const { gradientCheckpointing: _g, anchorWeight: _a, pairFilter: _f, anchorPerPair: _k, pairWarmupSteps: _w, ...oldest } = resolveDpoConfig();
    const { anchorWeight: _b, pairFilter: _f2, anchorPerPair: _k2, pairWarmupSteps: _w2, ...middle } = resolveDpoConfig();
    const { pairFilter: _f3, anchorPerPair: _k3, pairWarmupSteps: _w3, ...anchored } = resolveDpoConfig();
    const { anchorPerPair: _k4, pairWarmupSteps: _w4, ...filtered } = resolveDpoConfig();
    const { pairWarmupSteps: _w5, ...dosed } = resolveDpoConfig();
    for (const recorded of [oldest, middle, anchored, filtered, dosed, resolveDpoConfig()]) expect(hashAsRecorded(resolveDpoConfig(), recorded)).toBe(configHash(recorded));
    expect(hashAsRecorded(resolveDpoConfig({ pairWarmupSteps: 100 }), dosed)).not.toBe(configHash(dosed));
    expect(hashAsRecorded(resolveDpoConfig({ gradientCheckpointing: 'on' }), oldest)).not.toBe(configHash(oldest));
  });
});
