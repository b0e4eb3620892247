// The update loop for one seed: data -> the starting model's test evaluation (and pass@k headroom, headroom.ts) -> the
// shared warm-up round when configured (warmup.ts) and its evaluations -> for every arm, `rounds` rounds of on-policy
// data and updates (arm_round.ts) -> the arm's final model in a folder named after it (HF layout) -> its test
// evaluation and its token-level reading of the test call turns (first_miss_stage.ts; the origin's too) -> with
// loop.calibrate, its reading at a call-or-answer threshold set on validation (calibrate_stage.ts; the origin's too)
// -> with loop.passAtKAllModels, its pass@k on the headroom samples (the origin's too) -> loop_report.ts. Every stage
// is resumable; arms are independent, so callers may run subsets of them in parallel processes over one run folder
// and then report once.
import type { ResolvedPipeline } from './config.ts';
import type { TurnLogps } from '../scoring/first_miss.ts';
import { armRoundStage, prebuildSharedPairs, type ArmRoundSummary } from './arm_round.ts';
import { buildLoopReport, tailMedians, type LoopReport } from './loop_report.ts';
import type { ArmName } from './loop_config.ts';
import type { PassAtK } from './pass_at_k.ts';
import { headroomStage } from './headroom.ts';
import { runStage, type StageRecord } from './stage.ts';
import { warmupStage } from './warmup.ts';
import { firstMissStage, readFirstMiss } from './first_miss_stage.ts';
import { calibrateStage, readCalibration } from './calibrate_stage.ts';
import { dataStage, evalStage, hashes, parseJsonl, type EvalSummaryLine, readEvalReport, sftStage, startModelSource, type PipelineEnv, type SftSource } from './stages.ts';

export interface LoopOptions {
  /**
   * Run only these arms (default: every arm of the config). The report covers the arms run and needs TTPA among
   * them; its goal names the others as not run.
   */
  arms?: ArmName[];
  /**
   * Stop after the shared stages (data, the starting model's evaluation, pass@k, the warm-up round) and round 1's
   * pairs when several arms would build the same ones (prebuildSharedPairs).
   */
  sharedOnly?: boolean;
}

export interface ArmRun {
  rounds: StageRecord<ArmRoundSummary>[];
  /** Per round, the median of each metric over its last steps (tailMedians); null where the metrics file is absent. */
  tails?: (Record<string, number> | null)[];
  /** 1-based round whose model is the arm's final model. */
  selectedRound: number;
}

export async function runLoop(env: PipelineEnv, r: ResolvedPipeline, opts: LoopOptions = {}): Promise<LoopReport | undefined> {
  if (r.loop.rounds < 1) throw new Error('runLoop: pipeline.loop.rounds must be >= 1');
  const records: StageRecord[] = [];
  const timed = async <S>(rec: Promise<StageRecord<S>>): Promise<StageRecord<S>> => {
    const x = await rec;
    records.push(x as StageRecord);
    return x;
  };
  const data = await timed(dataStage(env, r));
  const start = r.config.useStartModel && env.startModel ? await startModelSource(env.startModel) : await sftStage(env, r, data);
  await timed(evalStage(env, r, 'sft', start, data));
  const startVal = await timed(evalStage(env, r, 'sft', start, data, 'val', r.loop.valLimit));
  const headroom = r.loop.passAtK > 0 ? await timed(headroomStage(env, r, undefined, start, data)) : null;
  // with loop.passAtKAllModels, the origin's and every final model's pass@k on the same samples
  const headroomAll = r.loop.passAtK > 0 && r.loop.passAtKAllModels;
  const headroomAfter: Record<string, PassAtK> = {};
  // The arms' common origin: the starting model, or the warm-up round's model with its own evaluations.
  let origin = { model: start, val: startVal };
  if (r.loop.warmupSamples > 0) {
    const w = await warmupStage(env, r, start, data);
    records.push(w.record as StageRecord);
    await timed(evalStage(env, r, 'warmup', w.model, data));
    origin = { model: w.model, val: await timed(evalStage(env, r, 'warmup', w.model, data, 'val', r.loop.valLimit)) };
  }
  const originName = r.loop.warmupSamples > 0 ? 'warmup' : 'sft';
  await timed(firstMissStage(env, r, originName, origin.model, data));
  if (r.loop.calibrate) await timed(calibrateStage(env, r, originName, origin.model, data));
  if (headroomAll && originName !== 'sft') headroomAfter[originName] = (await timed(headroomStage(env, r, originName, origin.model, data))).summary;
  if (opts.sharedOnly) {
    await prebuildSharedPairs(env, r, origin.model);
    return undefined;
  }

  const arms = r.loop.arms.filter((a) => !opts.arms || opts.arms.includes(a));
  const runs: Partial<Record<ArmName, ArmRun>> = {};
  for (const arm of arms) {
    let policy: SftSource = origin.model;
    const rounds: StageRecord<ArmRoundSummary>[] = [];
    for (let k = 0; k < r.loop.rounds; k++) {
      const rec = await timed(armRoundStage(env, r, arm, k, policy, origin.model, data));
      rounds.push(rec);
      policy = { source: env.store.source(`loop/${arm}/round-${k + 1}/model`), inputs: hashes(rec) };
    }
    const final = await timed(finalStage(env, r, arm, rounds, origin));
    const tails = await Promise.all(rounds.map((_, k) => env.store.readText(`loop/${arm}/round-${k + 1}/metrics.jsonl`)
      .then((t) => tailMedians(parseJsonl<Record<string, number>>(t)), () => null)));
    runs[arm] = { rounds, selectedRound: final.summary.round, tails };
    const finalModel = { source: env.store.source(arm), inputs: hashes(final) };
    await timed(evalStage(env, r, arm, finalModel, data));
    await timed(firstMissStage(env, r, arm, finalModel, data));
    if (r.loop.calibrate) await timed(calibrateStage(env, r, arm, finalModel, data));
    if (headroomAll) headroomAfter[arm] = (await timed(headroomStage(env, r, arm, finalModel, data))).summary;
  }
  if (!arms.includes('ttpa')) {
    env.events.log?.(`report: none (arms ${arms.join(', ')}: the report compares TTPA with the other arms; run it with them, or all arms)`);
    return undefined;
  }

  const warm = r.loop.warmupSamples > 0 ? ['warmup'] : [];
  const evals = Object.fromEntries(await Promise.all(['sft', ...warm, ...arms].map(async (a) => [a, await readEvalReport(env.store, a)] as const)));
  const tokenLevel = Object.fromEntries(await Promise.all([originName, ...arms].map(async (a) => [a, await readFirstMiss(env.store, a)] as const)));
  const firstMiss = Object.values(tokenLevel).every((t) => t !== null) ? { base: originName, turns: tokenLevel as Record<string, TurnLogps[]> } : undefined;
  const calibration = r.loop.calibrate
    ? Object.fromEntries(await Promise.all([originName, ...arms].map(async (a) => [a, (await readCalibration(env.store, a))!] as const)))
    : undefined;
  const built = buildLoopReport({
    preset: r.config.name, seed: r.config.seed, config: r, arms,
    stages: records.map((x) => ({ stage: x.stage, elapsedMs: x.elapsedMs, skipped: x.skipped === true })),
    evals, runs, headroom: headroom?.summary ?? null, startVal: startVal.summary,
    ...(warm.length ? { warmupVal: origin.val.summary } : {}), ...(firstMiss ? { firstMiss } : {}),
    ...(calibration ? { calibration: { base: originName, models: calibration } } : {}),
    ...(headroomAll ? { headroomAfter } : {}),
  });
  await env.store.writeFiles('', { 'report.json': JSON.stringify(built.report, null, 2) + '\n', 'report.md': built.markdown, ...built.charts });
  env.events.log?.(`report: ${env.store.name}/report.md`);
  return built.report;
}

/**
 * The arm's final model copied into `<arm>/` in HF layout: the last round's, or with 'best-val' the round with the
 * lowest validation error, where round 0 is the arms' origin (the starting model, or the warm-up round's model),
 * kept when no round beat it on validation.
 */
function finalStage(env: PipelineEnv, r: ResolvedPipeline, arm: ArmName, rounds: StageRecord<ArmRoundSummary>[], start: { model: SftSource; val: StageRecord<EvalSummaryLine> })
  : Promise<StageRecord<{ round: number; valErrorRate: number }>> {
  return runStage(env.store, `loop/${arm}/final`, { select: r.loop.select }, { ...hashes(...rounds, start.val), ...start.model.inputs }, env.events, async () => {
    let pick = { round: rounds.length, valErrorRate: rounds[rounds.length - 1].summary.val.errorRate };
    if (r.loop.select === 'best-val') {
      pick = { round: 0, valErrorRate: start.val.summary.errorRate };
      for (const x of rounds) if (x.summary.val.errorRate < pick.valErrorRate) pick = { round: x.summary.round, valErrorRate: x.summary.val.errorRate };
    }
    const src = pick.round === 0 ? start.model.source : env.store.source(`loop/${arm}/round-${pick.round}/model`);
    const files: Record<string, Uint8Array> = {};
    for (const f of src.list()) files[f] = await src.read(f);
    await env.store.writeFiles(arm, files);
    env.events.log?.(`${arm}/: ${pick.round === 0 ? `the ${r.loop.warmupSamples > 0 ? "warm-up round's" : 'starting'} model (no round beat it on validation)` : `round ${pick.round}`} of ${rounds.length} (${r.loop.select}), val error ${(100 * pick.valErrorRate).toFixed(1)}%`);
    return pick;
  });
}
