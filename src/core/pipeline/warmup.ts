// The loop's shared warm-up round (loop.warmupSamples > 0): the starting model continues SFT on the ground truth of
// the first train samples of the loop's shuffle, with the pipeline's `sft` settings, before the arms split. Every
// arm starts from its model, so what the arms then add is measured from the same point.
import { disposeModel } from '../model/params.ts';
import { checkpointFiles, loadCheckpoint } from '../runtime/checkpoint.ts';
import { modelPolicy } from '../train/policy.ts';
import { replicasWhereTheyApply, sftReplicaSpec } from '../train/replica.ts';
import { runSft } from '../train/sft.ts';
import { encodeSamples } from '../train/sft_data.ts';
import type { StepMetrics } from '../train/trainer.ts';
import { warmupPrompts } from './arm_round.ts';
import type { ResolvedPipeline } from './config.ts';
import { runStage, type StageRecord } from './stage.ts';
import { hashes, logEvery, readSamples, toJsonl, type PipelineEnv, type SftSource } from './stages.ts';

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
      const enc = encodeSamples(samples, tokenizer, r.sft);
      const metrics: StepMetrics[] = [];
      const begin = replicasWhereTheyApply(env.replicas, WARMUP_DIR, r.sft, true, env.events.log);
      const replicas = begin && await begin(await sftReplicaSpec(model, { data: enc.samples, config: r.sft, padTokenId: tokenizer.padTokenId }));
      await runSft({
        policy: modelPolicy(model, r.sft), data: enc.samples, config: r.sft, padTokenId: tokenizer.padTokenId, replicas,
        modelFiles: () => checkpointFiles(model, tokenizer),
        hooks: {
          onStep: (m) => {
            metrics.push(m);
            env.events.progress?.(WARMUP_DIR, m.step, r.sft.steps);
            logEvery(WARMUP_DIR, m.step, r.sft.steps, `loss ${m.loss.toFixed(4)}`, env);
          },
        },
      }).finally(() => replicas?.close());
      await env.store.writeFiles(`${WARMUP_DIR}/model`, await checkpointFiles(model, tokenizer, { 'sft_config.json': r.sft }));
      await env.store.writeFiles(WARMUP_DIR, { 'metrics.jsonl': toJsonl(metrics) });
      return { samples: samples.length, steps: metrics.length, truncated: enc.truncated, finalLoss: metrics.at(-1)?.loss ?? null };
    } finally {
      disposeModel(model);
    }
  });
  return { record, model: { source: env.store.source(`${WARMUP_DIR}/model`), inputs: hashes(record) } };
}
