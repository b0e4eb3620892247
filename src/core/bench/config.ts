// Benchmark sizes: the full run (the targets are judged on it) and a quick smoke run on tiny
// models. Plain JSON, so the browser bench page receives the same object; it runs nothing itself.
import type { ModelConfig } from '../model/config.ts';
import type { PipelineBenchLoop } from './pipeline_bench.ts';
import type { ScaleModel } from './scale_bench.ts';

/** A model to benchmark: a preset name plus overrides (e.g. a different width). */
export interface BenchModel {
  /** Label in the report ('default', 'default-x4', 'width-256'). */
  name: string;
  preset: string;
  overrides?: Partial<ModelConfig>;
}

export interface BenchConfig {
  /** true: small sizes for a smoke run (the figures prove only that it works). */
  quick: boolean;
  /** Side of the square matmul that measures the backend's ceiling, and how many times it is timed. */
  matmulSize: number;
  matmulReps: number;
  /** SFT: the default model, then the 4x larger one; `seqLen` tokens per row, `batchSize` rows, timed steps after one warmup. */
  sftModels: BenchModel[];
  sftSeqLen: number;
  sftBatchSize: number;
  sftSteps: number;
  /** Sampling and pairs: alternating repetitions of the two variants, the best of each kept. */
  reps: number;
  /** Sampling: prompt length and the new-token counts compared with and without the KV cache. */
  samplingPromptLen: number;
  samplingNewTokens: number[];
  /** Pairs: prompt length, base trajectory length and branches (pairs) per prompt. */
  pairsPromptLen: number;
  pairsNewTokens: number;
  pairsBranches: number;
  /** DPO: pairs per step, prompt and completion lengths, timed steps. */
  dpoBatchSize: number;
  dpoPromptLen: number;
  dpoCompletionLen: number;
  dpoSteps: number;
  /** Memory: SFT steps whose tensor count must stay flat, at this size. */
  memorySteps: number;
  memorySeqLen: number;
  memoryBatchSize: number;
  /** Scaling: sequence lengths at a fixed token count per step, and widths at the shortest of those lengths. */
  scalingSeqLens: number[];
  scalingTokensPerStep: number;
  scalingWidths: number[];
  scalingSteps: number;
  /** Threads: wasm thread counts whose SFT steps (the first SFT model, the SFT sizes) are compared, each in a fresh runtime. */
  threadCounts: number[];
  /** Replicas: data-parallel replica counts (worker threads, one wasm thread each) compared on the same SFT steps, each in a fresh runtime. */
  replicaCounts: number[];
  /** Scale: published configs with random weights; decoding `scaleNewTokens` after `scalePromptLen`, a LoRA DPO step at `scaleSeqLen`. */
  scaleModels: ScaleModel[];
  scaleSeqLen: number;
  scalePromptLen: number;
  scaleNewTokens: number;
  /** Pipeline: the loop added to the tiny preset, run with --jobs 1 and 2 (Node only; `ttpa bench --pipeline-preset` picks a real one). */
  pipelineLoop: PipelineBenchLoop;
}

/** The sizes: default vs default-x4, prompts of 200+ tokens, 200 steps for the leak check. */
export const FULL_BENCH_CONFIG: Readonly<BenchConfig> = Object.freeze({
  quick: false,
  matmulSize: 1024,
  matmulReps: 5,
  sftModels: [{ name: 'default', preset: 'default' }, { name: 'default-x4', preset: 'default-x4' }],
  sftSeqLen: 256,
  sftBatchSize: 8,
  sftSteps: 3,
  reps: 2,
  samplingPromptLen: 32,
  samplingNewTokens: [64, 256],
  pairsPromptLen: 224,
  pairsNewTokens: 48,
  pairsBranches: 8,
  dpoBatchSize: 4,
  dpoPromptLen: 160,
  dpoCompletionLen: 48,
  dpoSteps: 4,
  memorySteps: 200,
  memorySeqLen: 32,
  memoryBatchSize: 2,
  scalingSeqLens: [128, 256, 512, 1024],
  scalingTokensPerStep: 1024,
  scalingWidths: [64, 128, 256, 512],
  scalingSteps: 3,
  threadCounts: [1, 2],
  replicaCounts: [1, 2],
  scaleModels: [{ name: 'SmolLM2-135M', config: 'SmolLM2-135M' }, { name: 'Qwen2.5-0.5B', config: 'Qwen2.5-0.5B' }],
  scaleSeqLen: 256,
  scalePromptLen: 32,
  scaleNewTokens: 32,
  pipelineLoop: { rounds: 2, promptsPerRound: 8, valLimit: 4, arms: ['ttpa', 'control'] },
});

/** Seconds, tiny models: for the test and a smoke run. */
export const QUICK_BENCH_CONFIG: Readonly<BenchConfig> = Object.freeze({
  quick: true,
  matmulSize: 128,
  matmulReps: 2,
  sftModels: [{ name: 'tiny', preset: 'tiny' }, { name: 'tiny-x4', preset: 'tiny', overrides: { hidden_size: 64, intermediate_size: 128 } }],
  sftSeqLen: 32,
  sftBatchSize: 2,
  sftSteps: 2,
  reps: 1,
  samplingPromptLen: 8,
  samplingNewTokens: [4, 8],
  pairsPromptLen: 16,
  pairsNewTokens: 6,
  pairsBranches: 2,
  dpoBatchSize: 2,
  dpoPromptLen: 8,
  dpoCompletionLen: 4,
  dpoSteps: 2,
  memorySteps: 4,
  memorySeqLen: 8,
  memoryBatchSize: 2,
  scalingSeqLens: [16, 32],
  scalingTokensPerStep: 64,
  scalingWidths: [16, 32],
  scalingSteps: 1,
  threadCounts: [1, 2],
  replicaCounts: [1, 2],
  scaleModels: [{
    name: 'SmolLM2-135M shape (2 layers, width 64)', config: 'SmolLM2-135M',
    overrides: { num_hidden_layers: 2, hidden_size: 64, intermediate_size: 128, num_attention_heads: 2, num_key_value_heads: 1, vocab_size: 512 },
  }],
  scaleSeqLen: 32,
  scalePromptLen: 8,
  scaleNewTokens: 4,
  pipelineLoop: { rounds: 1, promptsPerRound: 2, valLimit: 2, arms: ['ttpa', 'sft-continued'] },
});

export function benchConfig(quick: boolean): BenchConfig {
  return structuredClone(quick ? QUICK_BENCH_CONFIG : FULL_BENCH_CONFIG) as BenchConfig;
}
