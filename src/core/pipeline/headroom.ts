// pass@k headroom in the loop: the starting model's (the `headroom` stage, loop.passAtK) and, with
// loop.passAtKAllModels, the arms' origin's and every final model's on the same test samples (`headroom/<name>`);
// headroom_rows.ts pairs each turn with the model's greedy reading for the report.
import { disposeModel } from '../model/params.ts';
import { loadCheckpoint } from '../runtime/checkpoint.ts';
import type { ResolvedPipeline } from './config.ts';
import { passAtK, type PassAtK } from './pass_at_k.ts';
import { runStage, type StageRecord } from './stage.ts';
import { hashes, readSamples, type PipelineEnv, type SftSource } from './stages.ts';

/** pass@k of `model` on the loop's headroom samples: stage `headroom` for the starting model (name undefined), else `headroom/<name>`. */
export function headroomStage(env: PipelineEnv, r: ResolvedPipeline, name: string | undefined, model: SftSource, data: StageRecord): Promise<StageRecord<PassAtK>> {
  const loop = r.loop;
  const dir = name ? `headroom/${name}` : 'headroom';
  // perTurn: in the identity so records from before the per-turn counts are measured again
  const config = { k: loop.passAtK, temperature: loop.passAtKTemperature, limit: loop.passAtKLimit, maxNewTokens: r.config.eval.maxNewTokens, perTurn: true };
  return runStage(env.store, dir, config, { ...hashes(data), ...model.inputs }, env.events, async () => {
    const { model: m, tokenizer } = await loadCheckpoint(model.source);
    try {
      const test = await readSamples(env.store, 'test');
      // the same seed for every model: the same samples and the same random stream per turn
      const res = await passAtK(m, tokenizer, loop.passAtKLimit > 0 ? test.slice(0, loop.passAtKLimit) : test, {
        k: loop.passAtK, temperature: loop.passAtKTemperature, maxNewTokens: r.config.eval.maxNewTokens, seed: r.config.seed + 31,
        onProgress: (done, total) => env.events.progress?.(dir, done, total),
      });
      env.events.log?.(`${dir}: pass@${res.k} ${(100 * res.passAtK).toFixed(1)}% (T=${res.temperature}) over ${res.turns} test turns`);
      return res;
    } finally {
      disposeModel(m);
    }
  });
}
