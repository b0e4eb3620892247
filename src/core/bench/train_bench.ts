// The training sections: SFT speed and utilisation per model, memory (peak bytes, tensor count over many
// steps) and the scaling table (step time against sequence length and width). Figures only; targets are report.ts's.
import { tf } from '../runtime/tf.ts';
import { countParams, disposeModel } from '../model/params.ts';
import type { BenchConfig, BenchModel } from './config.ts';
import { flopsUtilisation, trainFlopsPerToken, trainFlopsPerTokenWithAttention } from './flops.ts';
import { measureMatmulCeiling } from './matmul_ceiling.ts';
import { benchModelConfig, createBenchModel, widthVariant } from './models.ts';
import { timeSftSteps } from './sft_steps.ts';
import { sig } from './timing.ts';

export interface SftFigures {
  model: string;
  params: number;
  seqLen: number;
  batchSize: number;
  /** Best matmul ceiling of the run's, and of those measured just before and after these steps, GFLOP/s. */
  ceilingGflops: number;
  tokensPerSec: number;
  stepMs: number;
  /** 6·params·tokens/s over the matmul ceiling (the definition). */
  mfu: number;
  /** The same with the attention FLOPs added (PaLM's definition). */
  mfuWithAttention: number;
}

async function sftFigures(m: BenchModel, cfg: BenchConfig, runCeilingGflops: number): Promise<SftFigures> {
  const model = createBenchModel(m);
  const [seqLen, batchSize] = [cfg.sftSeqLen, cfg.sftBatchSize];
  try {
    // The ceiling is re-measured on either side of the steps and the best of those and the run's own is
    // kept: on a shared machine the load moves, and an unlucky ceiling would overstate the utilisation.
    const before = await measureMatmulCeiling(cfg.matmulSize, cfg.matmulReps);
    const r = await timeSftSteps(model, { seqLen, batchSize, steps: cfg.sftSteps });
    const after = await measureMatmulCeiling(cfg.matmulSize, cfg.matmulReps);
    const ceilingGflops = Math.max(before.gflops, after.gflops, runCeilingGflops);
    const c = model.config;
    return {
      model: m.name, params: countParams(c), seqLen, batchSize, ceilingGflops: sig(ceilingGflops),
      tokensPerSec: sig(r.tokensPerSec), stepMs: sig(r.stepMs),
      mfu: sig(flopsUtilisation(trainFlopsPerToken(c), r.tokensPerSec, ceilingGflops), 3),
      mfuWithAttention: sig(flopsUtilisation(trainFlopsPerTokenWithAttention(c, seqLen), r.tokensPerSec, ceilingGflops), 3),
    };
  } finally {
    disposeModel(model);
  }
}

export async function benchSft(cfg: BenchConfig, runCeilingGflops: number): Promise<SftFigures[]> {
  const out: SftFigures[] = [];
  for (const m of cfg.sftModels) out.push(await sftFigures(m, cfg, runCeilingGflops));
  return out;
}

export interface MemoryFigures {
  steps: number;
  /** Live tensors before the run, after its first step, after its last step, and after it returned. */
  tensorsBefore: number;
  tensorsAfterFirstStep: number;
  tensorsAfterLastStep: number;
  tensorsAfter: number;
  /** Most tensors live at any step boundary minus the count after the first step (0 = flat). */
  growth: number;
  /** tf.profile over two steps: highest bytes held by tensors at once, and tensors left behind. */
  peakBytes: number;
  profileNewTensors: number;
}

export async function benchMemory(cfg: BenchConfig): Promise<MemoryFigures> {
  const model = createBenchModel(cfg.sftModels[0]);
  try {
    const opts = { seqLen: cfg.memorySeqLen, batchSize: cfg.memoryBatchSize };
    const profile = await tf.profile(async () => {
      await timeSftSteps(model, { ...opts, steps: 1 });
      return [];
    });
    const counts: number[] = [];
    const tensorsBefore = tf.memory().numTensors;
    await timeSftSteps(model, { ...opts, steps: cfg.memorySteps - 1, onStep: (_, n) => counts.push(n) });
    return {
      steps: counts.length, tensorsBefore, tensorsAfterFirstStep: counts[0], tensorsAfterLastStep: counts[counts.length - 1],
      tensorsAfter: tf.memory().numTensors, growth: Math.max(...counts) - counts[0],
      peakBytes: profile.peakBytes, profileNewTensors: profile.newTensors,
    };
  } finally {
    disposeModel(model);
  }
}

export interface ScalingRow {
  model: string;
  hiddenSize: number;
  seqLen: number;
  batchSize: number;
  /** Fastest of the timed steps: the table compares shapes, so it keeps the least disturbed step. */
  stepMs: number;
  msPerToken: number;
  /** Model GFLOP/s achieved, attention FLOPs included (what "linear in FLOPs" is judged on). */
  gflops: number;
}

async function scalingRow(m: BenchModel, seqLen: number, batchSize: number, steps: number): Promise<ScalingRow> {
  const model = createBenchModel(m);
  try {
    const r = await timeSftSteps(model, { seqLen, batchSize, steps });
    const tokens = seqLen * batchSize;
    return {
      model: m.name, hiddenSize: model.config.hidden_size, seqLen, batchSize, stepMs: sig(r.bestStepMs), msPerToken: sig(r.bestStepMs / tokens),
      gflops: sig((trainFlopsPerTokenWithAttention(model.config, seqLen) * tokens) / (r.bestStepMs * 1e6)),
    };
  } finally {
    disposeModel(model);
  }
}

/** Step time against sequence length (same tokens per step) on the default model, and against width. */
export async function benchScaling(cfg: BenchConfig): Promise<{ bySeqLen: ScalingRow[]; byWidth: ScalingRow[] }> {
  const base = cfg.sftModels[0];
  const bySeqLen: ScalingRow[] = [];
  for (const T of cfg.scalingSeqLens) {
    bySeqLen.push(await scalingRow(base, T, Math.max(1, Math.round(cfg.scalingTokensPerStep / T)), cfg.scalingSteps));
  }
  const byWidth: ScalingRow[] = [];
  for (const w of cfg.scalingWidths) {
    const T = cfg.scalingSeqLens[0];
    const variant = benchModelConfig(base).hidden_size === w ? { ...base, name: `width-${w}` } : widthVariant(base, w);
    byWidth.push(await scalingRow(variant, T, Math.max(1, Math.round(cfg.scalingTokensPerStep / T)), cfg.scalingSteps));
  }
  return { bySeqLen, byWidth };
}
