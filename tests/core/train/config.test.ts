import { describe, expect, it } from 'vitest';
import { DEFAULT_SFT_CONFIG, resolveSftConfig } from '../../../src/core/train/config.ts';

describe('resolveSftConfig', () => {
  it('returns the frozen defaults merged with overrides, as plain JSON', () => {
    const cfg = resolveSftConfig({ lr: 5e-4, steps: 10 });
    expect(cfg).toEqual({ ...DEFAULT_SFT_CONFIG, lr: 5e-4, steps: 10 });
    expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
    expect(Object.isFrozen(DEFAULT_SFT_CONFIG)).toBe(true);
  });
  it('ignores undefined overrides (unset CLI flags)', () => {
    expect(resolveSftConfig({ lr: undefined }).lr).toBe(DEFAULT_SFT_CONFIG.lr);
  });
  it.each([
    [{ lr: -1 }, 'sft.lr must be > 0, got -1'],
    [{ steps: 0 }, 'sft.steps must be an integer >= 1, got 0'],
    [{ batchSize: 2.5 }, 'sft.batchSize must be an integer >= 1, got 2.5'],
    [{ beta2: 1 }, 'sft.beta2 must be in [0, 1), got 1'],
    [{ seqLen: 1 }, 'sft.seqLen must be an integer >= 2, got 1'],
    [{ maxGradNorm: Number.NaN }, 'sft.maxGradNorm must be >= 0, got NaN'],
    [{ trainOn: 'user' as 'all' }, `sft.trainOn must be 'assistant' or 'all', got "user"`],
    [{ lR: 1 } as object, 'sft.lR is not a known setting'],
    [{ gradientCheckpointing: true as unknown as 'on' }, `sft.gradientCheckpointing must be 'auto', 'on' or 'off', got true`],
  ])('rejects %j', (overrides, message) => {
    expect(() => resolveSftConfig(overrides)).toThrow(message);
  });
});
