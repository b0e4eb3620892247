import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCE_CONFIG, resolvePreferenceConfig } from '../../../src/core/preference/config.ts';

describe('preference config', () => {
  it('returns the defaults unchanged and unfrozen copies', () => {
    const cfg = resolvePreferenceConfig();
    expect(cfg).toEqual(DEFAULT_PREFERENCE_CONFIG);
    cfg.spans.push('format');
    expect(DEFAULT_PREFERENCE_CONFIG.spans).toEqual(['name', 'key', 'value']);
  });

  it('merges overrides', () => {
    const cfg = resolvePreferenceConfig({ mode: 'turn', topK: 8, spans: [] });
    expect(cfg.mode).toBe('turn');
    expect(resolvePreferenceConfig({ includeTextTurns: false }).includeTextTurns).toBe(false);
    expect(cfg.topK).toBe(8);
    expect(cfg.spans).toEqual([]);
  });

  it('names the bad field', () => {
    expect(() => resolvePreferenceConfig({ topK: 1 })).toThrow('preference.topK must be an integer >= 2, got 1');
    expect(() => resolvePreferenceConfig({ altRatio: 0 })).toThrow('preference.altRatio');
    expect(() => resolvePreferenceConfig({ mode: 'pairs' })).toThrow('preference.mode must be one of token, turn, sequence');
    expect(() => resolvePreferenceConfig({ spans: ['arg'] })).toThrow('preference.spans');
    expect(() => resolvePreferenceConfig({ reusePrefix: 'yes' })).toThrow('preference.reusePrefix must be a boolean');
    expect(() => resolvePreferenceConfig({ includeTextTurns: 1 })).toThrow('preference.includeTextTurns must be a boolean, got 1');
    expect(() => resolvePreferenceConfig({ topk: 3 })).toThrow('preference.topk is not a known setting');
    expect(() => resolvePreferenceConfig({ sampleTemperature: 0 })).toThrow('preference.sampleTemperature must be > 0, got 0');
  });
});
