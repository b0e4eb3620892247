import { describe, expect, it } from 'vitest';
import { resolvePipelineConfig } from '../../../src/core/pipeline/config.ts';
import { DEFAULT_LOOP_CONFIG, resolveLoopConfig } from '../../../src/core/pipeline/loop_config.ts';

describe('resolveLoopConfig', () => {
  it('defaults to no loop and always runs the TTPA arm, in a fixed order', () => {
    expect(resolveLoopConfig({})).toEqual({ ...DEFAULT_LOOP_CONFIG, arms: ['ttpa', 'control'] });
    expect(resolveLoopConfig({ arms: ['rft', 'sequence'] }).arms).toEqual(['ttpa', 'rft', 'sequence']);
  });

  it('names the bad field', () => {
    expect(() => resolveLoopConfig({ rounds: -1 })).toThrow('pipeline.loop.rounds must be an integer >= 0, got -1');
    expect(() => resolveLoopConfig({ promptsPerRound: 0 })).toThrow('pipeline.loop.promptsPerRound must be an integer >= 1, got 0');
    expect(() => resolveLoopConfig({ maxKl: 0 })).toThrow('pipeline.loop.maxKl must be > 0, got 0');
    expect(() => resolveLoopConfig({ warmupSamples: 2.5 })).toThrow('pipeline.loop.warmupSamples must be an integer >= 0, got 2.5');
    expect(() => resolveLoopConfig({ arms: ['ttpa', 'ppo'] })).toThrow('pipeline.loop.arms must be a list of distinct arms');
    expect(() => resolveLoopConfig({ arms: ['rft', 'rft'] })).toThrow('pipeline.loop.arms must be a list of distinct arms');
    expect(() => resolveLoopConfig({ reference: 'sft' })).toThrow("pipeline.loop.reference must be 'round' or 'start'");
    expect(() => resolveLoopConfig({ select: 'best' })).toThrow("pipeline.loop.select must be 'last' or 'best-val'");
    expect(() => resolveLoopConfig({ rftThreshold: 2 })).toThrow('pipeline.loop.rftThreshold must be in [0, 1], got 2');
    expect(() => resolveLoopConfig({ rftSamples: 1 })).toThrow('pipeline.loop.rftSamples must be an integer >= 2, got 1');
    expect(() => resolveLoopConfig({ passAtKAllModels: 'yes' })).toThrow('pipeline.loop.passAtKAllModels must be true or false, got "yes"');
    expect(() => resolveLoopConfig({ passAtKAllModels: true })).toThrow('pipeline.loop.passAtKAllModels needs passAtK > 0 (the k every model is sampled with), got true');
    expect(resolveLoopConfig({ passAtKAllModels: true, passAtK: 8 }).passAtKAllModels).toBe(true);
    expect(() => resolveLoopConfig({ passAtK: 1 })).toThrow('pipeline.loop.passAtK must be 0 (off) or >= 2 (samples a turn; pass@1 is read from the k samples), got 1');
    expect(() => resolveLoopConfig({ rftAnchor: 1 })).toThrow('pipeline.loop.rftAnchor must be true or false, got 1');
    expect(resolveLoopConfig({}).rftAnchor).toBe(false);
    expect(() => resolvePipelineConfig({ loop: { rounds: 1, arms: ['rft'], rftAnchor: true } })).toThrow(/pipeline\.loop\.rftAnchor gives RFT the DPO arms' SFT anchor, but dpo\.anchorWeight is 0/);
    expect(resolvePipelineConfig({ dpo: { anchorWeight: 1 }, loop: { rounds: 1, arms: ['rft'], rftAnchor: true } }).loop.rftAnchor).toBe(true);
    expect(() => resolveLoopConfig({ calibrate: 'yes' })).toThrow('pipeline.loop.calibrate must be true or false, got "yes"');
    expect(() => resolveLoopConfig({ calibrateSpan: -1 })).toThrow('pipeline.loop.calibrateSpan must be >= 0, got -1');
    expect(() => resolveLoopConfig({ calibrateStep: 0 })).toThrow('pipeline.loop.calibrateStep must be > 0, got 0');
    expect(() => resolveLoopConfig({ calibrateSamples: -2 })).toThrow('pipeline.loop.calibrateSamples must be an integer >= 0, got -2');
    expect(() => resolveLoopConfig({ roundz: 1 })).toThrow('pipeline.loop.roundz is not a known setting');
  });

  it("gives the control the NLL weight TTPA's loss gives the chosen side", () => {
    const withLoop = (dpo: Record<string, unknown>) => resolvePipelineConfig({ dpo, loop: { rounds: 1, arms: ['control'] } }).dpoControl;
    expect(withLoop({ rpoAlpha: 0.5 })).toMatchObject({ lossType: 'nll', rpoAlpha: 0.5 });
    expect(withLoop({ lossType: ['sigmoid', 'sft'], lossWeights: [1, 0.25] })).toMatchObject({ lossType: 'nll', rpoAlpha: 0.25, lossWeights: [] });
    expect(withLoop({ rpoAlpha: 0 })).toMatchObject({ lossType: 'nll', rpoAlpha: 1 });
    expect(resolvePipelineConfig({ loop: { rounds: 1, arms: ['rft'] } }).dpoControl).toBeNull();
    // controlWeight sets it outright (the preference term's weight gives a control that differs in the preference alone)
    const weighted = resolvePipelineConfig({ controlWeight: 0.1, dpo: { lossWeights: [0.1] }, loop: { rounds: 1, arms: ['ttpa', 'control'] } });
    expect(weighted.dpoControl).toMatchObject({ lossType: 'nll', rpoAlpha: 0.1 });
    expect(weighted.dpo.rpoAlpha).toBe(0);
    for (const bad of [0, -1, '0.1', Infinity]) {
      expect(() => resolvePipelineConfig({ controlWeight: bad })).toThrow(`pipeline.controlWeight must be null or a number > 0, got ${JSON.stringify(bad)}`);
    }
  });
});

describe('the shipped loop presets', () => {
  for (const name of ['demo', 'demo-all-arms', 'full', 'fresh-rounds', 'fresh-calls', 'fresh-calls-full', 'fresh-calls-full-all-arms', 'fresh-calls-full-pair-warmup']) {
    it(`${name}: resolves, has 1,000+ test turns and enough fresh train samples for every round`, async () => {
      const { readFileSync } = await import('node:fs');
      const { buildDataSplits } = await import('../../../src/core/pipeline/stages.ts');
      const r = resolvePipelineConfig(JSON.parse(readFileSync(new URL(`../../../models/presets/${name}.json`, import.meta.url), 'utf8')));
      expect(r.loop.rounds).toBeGreaterThanOrEqual(2);
      expect(r.loop.arms.some((a) => a === 'control' || a === 'sft-continued')).toBe(true);
      const { split } = buildDataSplits(r);
      const turns = split.test.reduce((n, s) => n + s.messages.filter((m) => m.role === 'assistant').length, 0);
      expect(turns).toBeGreaterThanOrEqual(1000);
      expect(split.train.length).toBeGreaterThanOrEqual(r.loop.warmupSamples + r.loop.rounds * r.loop.promptsPerRound);
    });
  }

  for (const [all, base] of [['demo-all-arms', 'demo'], ['fresh-calls-full-all-arms', 'fresh-calls-full']]) {
    it(`${all} is ${base} with every arm and nothing else changed, so a run on ${base}'s folder trains only the new arms`, async () => {
      const { readFileSync } = await import('node:fs');
      const read = (name: string) => JSON.parse(readFileSync(new URL(`../../../models/presets/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
      const { $comment: _a, name: _b, loop: loopAll, ...restAll } = read(all);
      const { $comment: _c, name: _d, loop: loopBase, ...restBase } = read(base);
      expect(restAll).toEqual(restBase);
      expect({ ...(loopAll as object), arms: [] }).toEqual({ ...(loopBase as object), arms: [] });
      expect([...(loopAll as { arms: string[] }).arms].sort()).toEqual(['control', 'rft', 'sequence', 'sft-continued', 'ttpa']);
    });
  }

  it('fresh-calls-full-pair-warmup is fresh-calls-full-all-arms with dpo.pairWarmupSteps 100 and nothing else changed', async () => {
    const { readFileSync } = await import('node:fs');
    const read = (name: string) => JSON.parse(readFileSync(new URL(`../../../models/presets/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const { $comment: _a, name: _b, dpo: dpoRamp, ...rest } = read('fresh-calls-full-pair-warmup');
    const { $comment: _c, name: _d, dpo, ...restAll } = read('fresh-calls-full-all-arms');
    expect(rest).toEqual(restAll);
    expect(dpoRamp).toEqual({ ...(dpo as object), pairWarmupSteps: 100 });
  });
});
