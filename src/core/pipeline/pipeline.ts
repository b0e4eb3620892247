// The whole job for one seed: data -> (SFT, or the shipped SFT checkpoint) -> eval -> token-level pairs ->
// DPO -> eval, and the same with sequence-level pairs (and, with `control`, TTPA's pairs under the NLL term
// alone), then report.json / report.md / curve SVGs.
// Every stage skips when its output matches its config; the store decides where files live.
import type { ResolvedPipeline } from './config.ts';
import { buildPipelineReport, type PipelineReport } from './report.ts';
import {
  dataStage, dpoModelSource, dpoStage, evalStage, pairsStage, readDpoMetrics, readEvalReport, sftStage,
  startModelSource, type PipelineEnv,
} from './stages.ts';
import type { StageRecord } from './stage.ts';

export type StageName = 'data' | 'sft' | 'eval-sft' | 'pairs' | 'dpo' | 'eval' | 'report';

/** Runs every stage up to and including `until` (default: all, ending with the report). */
export async function runPipeline(env: PipelineEnv, r: ResolvedPipeline, until: StageName = 'report'): Promise<PipelineReport | undefined> {
  const records: StageRecord[] = [];
  const timed = async <S>(f: () => Promise<StageRecord<S>>): Promise<StageRecord<S>> => {
    const rec = await f();
    records.push(rec as StageRecord);
    return rec;
  };
  const data = await timed(() => dataStage(env, r));
  if (until === 'data') return undefined;
  const sft = r.config.useStartModel && env.startModel ? await startModelSource(env.startModel) : await sftStage(env, r, data);
  if (until === 'sft') return undefined;
  await timed(() => evalStage(env, r, 'sft', sft, data));
  if (until === 'eval-sft') return undefined;
  const pairsToken = await timed(() => pairsStage(env, r, 'token', sft, data));
  const pairsSeq = await timed(() => pairsStage(env, r, 'sequence', sft, data));
  if (until === 'pairs') return undefined;
  const equal = r.config.pairs.equalize;
  const dpoToken = await timed(() => dpoStage(env, r, 'token', sft, pairsToken, equal ? pairsSeq : undefined));
  const dpoSeq = await timed(() => dpoStage(env, r, 'sequence', sft, pairsSeq, equal ? pairsToken : undefined));
  const control = r.dpoControl;
  // The control trains on exactly TTPA's subset: same pair file, same equalized count, same shuffle seed.
  const dpoCtl = control ? await timed(() => dpoStage(env, r, 'token', sft, pairsToken, equal ? pairsSeq : undefined, { name: 'control', dpo: control })) : undefined;
  if (until === 'dpo') return undefined;
  await timed(() => evalStage(env, r, 'token', dpoModelSource(env, dpoToken), data));
  await timed(() => evalStage(env, r, 'sequence', dpoModelSource(env, dpoSeq), data));
  if (dpoCtl) await timed(() => evalStage(env, r, 'control', dpoModelSource(env, dpoCtl), data));
  if (until === 'eval') return undefined;

  const store = env.store;
  const built = buildPipelineReport({
    preset: r.config.name, seed: r.config.seed,
    // A fresh run's cost: each stage's time as recorded when it ran (a rerun that skips stages reports the same).
    wallMs: records.reduce((sum, x) => sum + x.elapsedMs, 0),
    stages: records.map((x) => ({ stage: x.stage, elapsedMs: x.elapsedMs, skipped: x.skipped === true })),
    evals: {
      sft: await readEvalReport(store, 'sft'), sequence: await readEvalReport(store, 'sequence'), token: await readEvalReport(store, 'token'),
      ...(dpoCtl ? { control: await readEvalReport(store, 'control') } : {}),
    },
    pairs: { token: pairsToken.summary, sequence: pairsSeq.summary },
    trainedOn: { token: dpoToken.summary.pairs, sequence: dpoSeq.summary.pairs, ...(dpoCtl ? { control: dpoCtl.summary.pairs } : {}) },
    curves: {
      token: await readDpoMetrics(store, 'token'), sequence: await readDpoMetrics(store, 'sequence'),
      ...(dpoCtl ? { control: await readDpoMetrics(store, 'control') } : {}),
    },
    config: r,
  });
  await store.writeFiles('', { 'report.json': JSON.stringify(built.report, null, 2) + '\n', 'report.md': built.markdown, ...built.charts });
  env.events.log?.(`report: ${store.name}/report.md`);
  return built.report;
}
