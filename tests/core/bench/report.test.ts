// The benchmark's pure parts: FLOP counts and statistics by hand, and a quick run on tiny models whose
// JSON has every section, finite figures and targets judged by their rule. No timing is asserted.
import { beforeAll, describe, expect, it } from 'vitest';
import { benchConfig } from '../../../src/core/bench/config.ts';
import { flopsUtilisation, trainFlopsPerToken, trainFlopsPerTokenWithAttention } from '../../../src/core/bench/flops.ts';
import { benchModelConfig, widthVariant } from '../../../src/core/bench/models.ts';
import { judgeTargets, runBench, spread, type BenchReport } from '../../../src/core/bench/report.ts';
import { median, sig } from '../../../src/core/bench/timing.ts';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';

describe('FLOP counts', () => {
  it('6 x params per token, plus 6·L·T·C for attention', () => {
    // tiny: V=64, C=32, I=64, L=2, 4 heads, 2 kv heads (D=8, kv width 16), tied embeddings.
    const c = resolveModelConfig('tiny');
    const perLayer = 32 * 32 + 16 * 32 + 16 * 32 + 32 * 32 + 3 * 64 * 32 + 2 * 32; // q k v o, gate up down, 2 norms
    const params = 64 * 32 + 2 * perLayer + 32; // embedding, layers, final norm
    expect(trainFlopsPerToken(c)).toBe(6 * params);
    expect(trainFlopsPerTokenWithAttention(c, 100)).toBe(6 * params + 6 * 2 * 100 * 32);
    expect(flopsUtilisation(1e6, 3000, 10)).toBeCloseTo(0.3, 12); // 3 GFLOP/s of 10
  });
});

describe('statistics', () => {
  it('median, spread, significant digits', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(spread([2, 3, 6])).toBe(3);
    expect(sig(123.456, 3)).toBe(123);
    expect(sig(0.00123456, 2)).toBe(0.0012);
  });
});

describe('width variants', () => {
  it('keep head dim, MLP ratio and kv-head ratio of the base', () => {
    const c = benchModelConfig(widthVariant({ name: 'default', preset: 'default' }, 256));
    expect(c.hidden_size).toBe(256);
    expect(c.hidden_size / c.num_attention_heads).toBe(32); // default: 128 / 4
    expect(c.num_attention_heads / c.num_key_value_heads).toBe(2);
    expect(c.intermediate_size).toBe(704); // 352 · 2
  });
});

describe('quick run', () => {
  let report: BenchReport;
  beforeAll(async () => {
    await initBackend({ order: ['wasm'] });
    report = await runBench(benchConfig(true), { environment: { test: true } });
  });

  it('has every section with finite figures', () => {
    expect(report.bench).toBe('ttpa-lab');
    expect(report.quick).toBe(true);
    expect(report.backend).toBe('wasm');
    expect(report.environment).toEqual({ test: true });
    expect(report.errors).toEqual({});
    expect(report.sft!.map((s) => s.model)).toEqual(['tiny', 'tiny-x4']);
    expect(report.sft![1].params).toBeGreaterThan(report.sft![0].params);
    expect(report.sampling!.map((s) => s.newTokens)).toEqual([4, 8]);
    expect(report.scaling!.bySeqLen.map((r) => r.seqLen)).toEqual([16, 32]);
    expect(report.scaling!.byWidth.map((r) => r.hiddenSize)).toEqual([16, 32]);
    expect(report.memory!.steps).toBe(4);
    const numbers: number[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'number') numbers.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect({ ...report, environment: undefined, date: undefined });
    expect(numbers.length).toBeGreaterThan(60);
    for (const n of numbers) expect(Number.isFinite(n)).toBe(true);
    const positive = [report.matmul.gflops, report.sft![0].tokensPerSec, report.sampling![0].kvCacheTokensPerSec, report.pairs!.naivePairsPerMin, report.dpo!.pairsPerSec, report.memory!.peakBytes];
    for (const n of positive) expect(n).toBeGreaterThan(0);
  });

  it('judges each target by its rule, and the report survives JSON', () => {
    expect(report.targets.map((t) => t.name)).toEqual([
      'sft_mfu_tiny', 'kv_cache_speedup_at_8_tokens', 'prefix_reuse_pairs_speedup', 'tensor_growth_over_4_steps', 'step_time_per_flop_spread_over_seq_len',
    ]);
    for (const t of report.targets) expect(t.met).toBe(t.value !== null && (t.rule === ">=" ? t.value >= t.target : t.value <= t.target));
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    const slower = judgeTargets({ ...report, pairs: { ...report.pairs!, speedup: 9, twoPhaseSpeedup: 2.9 } }).find((t) => t.name === 'prefix_reuse_pairs_speedup')!;
    // judged on the two-phase path buildPairs runs, not the overlapped one
    expect(slower).toMatchObject({ value: 2.9, target: 3, met: false });
    const failed = judgeTargets({ ...report, pairs: undefined }).find((t) => t.name === 'prefix_reuse_pairs_speedup')!;
    expect(failed).toMatchObject({ value: null, met: false });
  });

  it('leaves no tensors behind per step', () => {
    expect(report.memory!.growth).toBe(0);
    expect(report.memory!.tensorsAfterLastStep).toBe(report.memory!.tensorsAfterFirstStep);
  });
});
