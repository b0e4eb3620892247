// The loop's shared warm-up round (loop.warmupSamples > 0): the starting model continues SFT on the ground truth of
// the first train samples of the loop's shuffle, with the pipeline's `sft` settings, before the arms split. Every
// arm starts from its model, so what the arms then add is measured from the same point.
import { disposeModel } from '../model/params.ts';
import { checkpointFiles, loadCheckpoint } from '../runtime/checkpoint.ts';
import { warmupPrompts } from './arm_round.ts';
import type { ResolvedPipeline } from './config.ts';
import { runStage, type StageRecord } from './stage.ts';
import { hashes, readSamples, sftOn, toJsonl, type PipelineEnv, type SftSource } from './stages.ts';

export interface WarmupSummary {
  samples: number;
  steps: number;
  /** Samples longer than sft.seqLen, cut. */
  truncated: number;
  finalLoss: number | null;
}

export const WARMUP_DIR = 'loop/warmup';

/** Runs (or skips, when up to date) the warm-up round from `start`; its model is `loop/warmup/model`. */
export async function warmupStage(env: PipelineEnv, r: ResolvedPipeline, start: SftSource, data: StageRecord): Promise<{ record: StageRecord<WarmupSummary>; model: SftSource }> {
  const config = { samples: r.loop.warmupSamples, sft: r.sft };
  const record = await runStage(env.store, WARMUP_DIR, config, { ...hashes(data), ...start.inputs }, env.events, async () => {
    const samples = warmupPrompts(await readSamples(env.store, 'train'), r.loop.warmupSamples, r.config.seed);
    const { model, tokenizer } = await loadCheckpoint(start.source);
    try {
      const { metrics, truncated } = await sftOn(env, WARMUP_DIR, model, tokenizer, samples, r.sft);
      await env.store.writeFiles(`${WARMUP_DIR}/model`, await checkpointFiles(model, tokenizer, { 'sft_config.json': r.sft }));
      await env.store.writeFiles(WARMUP_DIR, { 'metrics.jsonl': toJsonl(metrics) });
      return { samples: samples.length, steps: metrics.length, truncated, finalLoss: metrics.at(-1)?.loss ?? null };
    } finally {
      disposeModel(model);
    }
  });
  return { record, model: { source: env.store.source(`${WARMUP_DIR}/model`), inputs: hashes(record) } };
}
