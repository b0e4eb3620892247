// The whole benchmark as one JSON document: runs each section in turn and judges the targets.
// Runs wherever core runs (Node, a browser worker); the caller picks the backend and adds the environment.
import { tf } from '../runtime/tf.ts';
import type { BenchConfig } from './config.ts';
import { benchDpo, type DpoFigures } from './dpo_bench.ts';
import { benchPairs, benchSampling, type PairsFigures, type SamplingFigures } from './generation_bench.ts';
import { measureMatmulCeiling, type MatmulCeiling } from './matmul_ceiling.ts';
import { sig } from './timing.ts';
import { benchMemory, benchScaling, benchSft, type MemoryFigures, type ScalingRow, type SftFigures } from './train_bench.ts';

/** One target of the issue: `value` compared with `target` by `rule`. */
export interface Target {
  name: string;
  value: number;
  target: number;
  rule: '>=' | '<=';
  met: boolean;
}

export interface BenchReport {
  bench: 'ttpa-lab';
  date: string;
  quick: boolean;
  backend: string;
  /** Where it ran: runtime, CPU count, load, GPU adapter (filled by the caller). */
  environment: Record<string, unknown>;
  matmul: MatmulCeiling;
  sft: SftFigures[];
  sampling: SamplingFigures[];
  pairs: PairsFigures;
  dpo: DpoFigures;
  memory: MemoryFigures;
  scaling: { bySeqLen: ScalingRow[]; byWidth: ScalingRow[] };
  targets: Target[];
  /** Wall time of each section and of the whole run, seconds. */
  sectionSec: Record<string, number>;
  totalSec: number;
}

export interface RunBenchOptions {
  environment?: Record<string, unknown>;
  /** Called when a section starts (for progress lines on stderr). */
  onSection?: (name: string) => void;
}

const target = (name: string, value: number, goal: number, rule: Target['rule']): Target =>
  ({ name, value: sig(value, 3), target: goal, rule, met: rule === '>=' ? value >= goal : value <= goal });

/** Max over min of a positive series (1 = perfectly flat). */
export function spread(xs: number[]): number {
  return Math.max(...xs) / Math.min(...xs);
}

export function judgeTargets(r: Omit<BenchReport, 'targets'>): Target[] {
  const atMost = r.sampling[r.sampling.length - 1];
  const msPerGflop = r.scaling.bySeqLen.map((row) => 1 / row.gflops);
  return [
    target(`sft_mfu_${r.sft[0].model}`, r.sft[0].mfu, 0.3, '>='),
    target(`kv_cache_speedup_at_${atMost.newTokens}_tokens`, atMost.speedup, 8, '>='),
    target('prefix_reuse_pairs_speedup', r.pairs.speedup, 3, '>='),
    target(`tensor_growth_over_${r.memory.steps}_steps`, r.memory.growth + Math.max(0, r.memory.tensorsAfter - r.memory.tensorsBefore), 0, '<='),
    // Linear in tokens: time per model FLOP (attention included) stays flat from the shortest to the longest sequence.
    target('step_time_per_flop_spread_over_seq_len', spread(msPerGflop), 1.5, '<='),
  ];
}

export async function runBench(cfg: BenchConfig, options: RunBenchOptions = {}): Promise<BenchReport> {
  const sectionSec: Record<string, number> = {};
  const t0 = performance.now();
  const section = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    options.onSection?.(name);
    const s0 = performance.now();
    const out = await fn();
    sectionSec[name] = sig((performance.now() - s0) / 1000, 3);
    return out;
  };
  const matmul = await section('matmul', () => measureMatmulCeiling(cfg.matmulSize, cfg.matmulReps));
  const sft = await section('sft', () => benchSft(cfg, matmul.gflops));
  const sampling = await section('sampling', () => benchSampling(cfg));
  const pairs = await section('pairs', () => benchPairs(cfg));
  const dpo = await section('dpo', () => benchDpo(cfg));
  const memory = await section('memory', () => benchMemory(cfg));
  const scaling = await section('scaling', () => benchScaling(cfg));
  const partial = {
    bench: 'ttpa-lab' as const, date: new Date().toISOString(), quick: cfg.quick, backend: tf.getBackend(),
    environment: options.environment ?? {}, matmul: { ...matmul, ms: sig(matmul.ms), gflops: sig(matmul.gflops) },
    sft, sampling, pairs, dpo, memory, scaling, sectionSec, totalSec: sig((performance.now() - t0) / 1000, 3),
  };
  return { ...partial, targets: judgeTargets(partial) };
}
