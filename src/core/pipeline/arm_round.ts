// One round of one arm of the update loop, as a resumable stage: draw the round's prompts, decode them with
// the arm's current policy into training data (token or sequence pairs, or supervised targets), update the
// policy for the round's step budget, evaluate it on the validation split. loop.ts chains rounds and arms.
import type { Sample } from '../data/sample.ts';
import { disposeModel, restoreWeights, type Model } from '../model/params.ts';
import { buildPairs } from '../preference/build_pairs.ts';
import { buildTurnTargets } from '../preference/sft_targets.ts';
import { pairsToTrlJsonl } from '../preference/trl_export.ts';
import { createRng } from '../rng.ts';
import { checkpointFiles, loadCheckpoint } from '../runtime/checkpoint.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { resolveSftConfig } from '../train/config.ts';
import type { DpoStepMetrics } from '../train/dpo.ts';
import { lossTerms, type DpoConfig } from '../train/dpo_config.ts';
import { parseDpoRecordsJsonl, runDpoJob, type PairFilterCount } from '../train/dpo_run.ts';
import { pairFilterNote } from '../preference/pair_filter.ts';
import { modelPolicy } from '../train/policy.ts';
import { runSft } from '../train/sft.ts';
import { replicasWhereTheyApply, sftReplicaSpec } from '../train/replica.ts';
import { dpoSplittable } from '../train/dpo.ts';
import { anchorPerPair } from '../train/anchor.ts';
import { encodeSamples, type EncodedSample } from '../train/sft_data.ts';
import type { StepMetrics } from '../train/trainer.ts';
import type { ResolvedPipeline } from './config.ts';
import { errorRate, evaluateModel } from './evaluate_model.ts';
import type { ArmName } from './loop_config.ts';
import { configHash } from './hash.ts';
import { runStage, type StageRecord } from './stage.ts';
import { stageCheckpoints, type StageCheckpoints } from './stage_checkpoints.ts';
import { hashes, logEvery, readSamples, toJsonl, type EvalSummaryLine, type PipelineEnv, type SftSource } from './stages.ts';

export interface ArmRoundSummary {
  arm: ArmName;
  round: number;
  prompts: number;
  /** Pairs (DPO arms) or supervised targets (SFT arms) the round built. */
  items: number;
  /** DPO arms: how many of the built pairs dpo.pairFilter kept for training (absent in rounds made before the filter). */
  filtered?: PairFilterCount;
  /** Pair statistics or target statistics of the round's data. */
  dataStats: unknown;
  steps: number;
  /** The last step's metrics (loss; DPO arms also rewards, logps, KL). */
  final: Record<string, number> | null;
  val: EvalSummaryLine;
  elapsedMs: { data: number; train: number; val: number };
  /**
   * DPO arms: the shared folder whose pairs the round reused instead of building them (built by another arm, by the
   * prebuild of `--jobs`, or before a restart); elapsedMs.data then leaves the build out. Absent when built here.
   */
  reusedPairs?: string;
}

/**
 * Round k's train samples: the k-th slice of a shuffle of the train split seeded by the pipeline's seed (rounds
 * never share one), after the first `skip` (the warm-up round's, warmupPrompts). Exported so a sweep can evaluate
 * a model on the very samples a round trained on.
 */
export function roundPrompts(train: readonly Sample[], round: number, perRound: number, pipelineSeed: number, skip = 0): Sample[] {
  return shuffleSlice(train, skip + round * perRound, perRound, pipelineSeed, `round ${round + 1}`, skip > 0);
}

/** The train samples past the first `used` of the same shuffle: those a run whose rounds drew `used` never trained on. */
export function unusedTrainSamples(train: readonly Sample[], used: number, pipelineSeed: number): Sample[] {
  if (used > train.length) throw new Error(`loop: its rounds draw ${used} train samples, but the train split has ${train.length}`);
  return loopShuffle(train, pipelineSeed).slice(used);
}

/** The one order a loop draws its train samples in: the warm-up's, then each round's, then the unused ones. */
const loopShuffle = (train: readonly Sample[], pipelineSeed: number): Sample[] => createRng(pipelineSeed + 17).shuffle(train);

/** The warm-up round's train samples: the first `n` of the same shuffle. */
export function warmupPrompts(train: readonly Sample[], n: number, pipelineSeed: number): Sample[] {
  return shuffleSlice(train, 0, n, pipelineSeed, 'the warm-up round', true);
}

function shuffleSlice(train: readonly Sample[], from: number, n: number, pipelineSeed: number, what: string, warmup: boolean): Sample[] {
  const need = from + n;
  if (need > train.length) {
    throw new Error(`loop: ${what} needs train samples ${from + 1}-${need}, but the train split has ${train.length}; raise data.n or lower loop.promptsPerRound${warmup ? ' or loop.warmupSamples' : ''}`);
  }
  return loopShuffle(train, pipelineSeed).slice(from, need);
}

/**
 * Whether an arm trains with runDpoJob: the DPO arms, and continued SFT when DPO arms carry the SFT anchor (then it is
 * their run with the preference terms weighted 0: the same anchor rows per pair and the same steps, so TTPA against
 * it is exactly what the preference term adds).
 */
const isDpoArm = (r: ResolvedPipeline, arm: ArmName): boolean => arm === 'ttpa' || arm === 'control' || arm === 'sequence' || (arm === 'sft-continued' && r.dpo.anchorWeight > 0);

/** Whether an arm is RFT with the DPO arms' SFT anchor (loop.rftAnchor): its SFT steps also train the round's ground truth. */
const rftAnchored = (r: ResolvedPipeline, arm: ArmName): boolean => arm === 'rft' && r.loop.rftAnchor;

/**
 * The DPO config of an arm in a round (the control trains on the chosen side's NLL alone; anchored continued SFT on the
 * anchor alone, so it has no pairs' loss to ramp in: pairWarmupSteps 0, and its stages are the same with or without one).
 */
export function armDpoConfig(r: ResolvedPipeline, arm: ArmName, round: number): DpoConfig {
  const base = arm === 'control' ? (r.dpoControl ?? r.dpo) : r.dpo;
  const anchorOnly = arm === 'sft-continued' && isDpoArm(r, arm) ? { lossWeights: lossTerms(base).map(() => 0), rpoAlpha: 0, pairWarmupSteps: 0 } : {};
  return { ...base, ...anchorOnly, seed: base.seed + round, checkpointEvery: 0 };
}

/** Runs (or skips, when up to date) round `round` of `arm`, starting from `policy`. */
export function armRoundStage(env: PipelineEnv, r: ResolvedPipeline, arm: ArmName, round: number, policy: SftSource, start: SftSource, data: StageRecord): Promise<StageRecord<ArmRoundSummary>> {
  const loop = r.loop;
  const dpoArm = isDpoArm(r, arm);
  const dir = `loop/${arm}/round-${round + 1}`;
  const dpo = armDpoConfig(r, arm, round);
  const preference = roundPreference(r, arm, round);
  // `textTurns: 'truth'`: RFT keeps the ground truth on text turns unless a sample is that text (sft_targets.ts);
  // in the identity so RFT rounds built before that rule run again instead of being reused.
  const config = {
    arm, round, promptsPerRound: loop.promptsPerRound, ...(loop.warmupSamples > 0 ? { warmupSamples: loop.warmupSamples } : {}), reference: loop.reference, valLimit: loop.valLimit, dpo,
    ...(dpoArm ? { preference } : { rft: arm === 'rft' ? { samples: loop.rftSamples, temperature: loop.rftTemperature, threshold: loop.rftThreshold, textTurns: 'truth', ...(rftAnchored(r, arm) ? { anchorWeight: r.dpo.anchorWeight } : {}) } : null }),
  };
  const startRef = dpoArm && loop.reference === 'start' && round > 0;
  const inputs = { ...hashes(data), ...policy.inputs, ...(startRef ? { reference: Object.values(start.inputs).join('') } : {}) };
  return runStage(env.store, dir, config, inputs, env.events, async (hash, stage) => {
    const samples = roundPrompts(await readSamples(env.store, 'train'), round, loop.promptsPerRound, r.config.seed, loop.warmupSamples);
    const { model, tokenizer } = await loadCheckpoint(policy.source);
    const reference = startRef ? (await loadCheckpoint(start.source)).model : undefined;
    try {
      const t0 = performance.now();
      const built = await buildRoundData(env, r, arm, round, model, tokenizer, samples, preference, policy.inputs);
      await env.store.writeFiles(dir, { [built.file]: built.text, 'data_stats.json': JSON.stringify(built.stats, null, 2) + '\n' });
      const t1 = performance.now();
      const metrics: (DpoStepMetrics | StepMetrics)[] = [];
      const every = env.checkpointEvery ?? 0;
      const ck = every > 0 && built.items > 0 ? await stageCheckpoints(env.store, dir, hash, () => metrics, env.events) : undefined;
      // The steps before the stop count in the round's time; what this process redoes (pairs when not reused, reference log-probs) counts once.
      const priorTrainMs = Math.round((ck?.resume?.metrics ?? []).reduce((sum: number, m) => sum + ((m as { step_ms?: number }).step_ms ?? 0), 0));
      stage.addPriorMs(priorTrainMs);
      const trained = await trainRound(env, dir, model, tokenizer, dpo, built, reference, samples, loop.maxKl, rftAnchored(r, arm), metrics, ck && { every, ...ck });
      await env.store.writeFiles(`${dir}/model`, await checkpointFiles(trained.model, tokenizer, { [dpoArm ? 'dpo_config.json' : 'sft_config.json']: trained.config }));
      await env.store.writeFiles(dir, { 'metrics.jsonl': toJsonl(trained.metrics) });
      await ck?.finish();
      const t2 = performance.now();
      const val = await readSamples(env.store, 'val');
      const report = await evaluateModel(trained.model, tokenizer, loop.valLimit > 0 ? val.slice(0, loop.valLimit) : val, {
        maxNewTokens: r.config.eval.maxNewTokens, batchSize: r.config.eval.batchSize,
        onProgress: (done, total) => env.events.progress?.(`${dir} val`, done, total),
      });
      await env.store.writeFiles(`${dir}/val`, { 'report.json': JSON.stringify(report) + '\n' });
      if (trained.model !== model) disposeModel(trained.model);
      const o = report.overall;
      const valLine = { errorRate: errorRate(report), exactMatch: o.exactMatch, meanEsm: o.meanEsm, turns: o.turns };
      const kept = trained.filtered && trained.filtered.filter !== 'all' ? ` (${pairFilterNote(trained.filtered.filter, trained.filtered.kept, trained.filtered.of)})` : '';
      env.events.log?.(`${dir}: ${built.items} items${kept}, ${trained.metrics.length} steps, val error ${(100 * valLine.errorRate).toFixed(1)}% over ${o.turns} turns`);
      return {
        arm, round: round + 1, prompts: samples.length, items: built.items, ...(trained.filtered ? { filtered: trained.filtered } : {}), dataStats: built.stats, steps: trained.metrics.length,
        final: (trained.metrics.at(-1) as Record<string, number> | undefined) ?? null, val: valLine,
        elapsedMs: { data: Math.round(t1 - t0), train: Math.round(t2 - t1) + priorTrainMs, val: Math.round(performance.now() - t2) },
        ...(built.reusedFrom ? { reusedPairs: built.reusedFrom } : {}),
      };
    } finally {
      disposeModel(model);
      if (reference) disposeModel(reference);
    }
  });
}

/** The pair-building settings of an arm's round: the arm's pair mode, a seed of its own per round. */
function roundPreference(r: ResolvedPipeline, arm: ArmName, round: number): ResolvedPipeline['pairsToken'] {
  const cfg = arm === 'sequence' ? r.pairsSequence : r.pairsToken;
  return { ...cfg, seed: cfg.seed + 7919 * round };
}

/** Where the pairs of a policy on a round's prompts are kept, for every arm that would build the same ones. */
const sharedPairsDir = (preference: ResolvedPipeline['pairsToken'], policyId: Record<string, string>, samples: Sample[]): string =>
  `loop/shared/pairs-${configHash({ preference, policy: policyId, prompts: samples.map((s) => s.id) })}`;

/**
 * Builds round 1's token pairs once when two or more arms would build the very same ones (DPO arms on token pairs,
 * all starting from `origin`). `ttpa pipeline --jobs N` calls it before dealing the arms to processes, which would
 * otherwise decode the same pairs side by side, each on part of the cores. Returns the arms that share them (none
 * built when fewer than two share them or they exist).
 */
export async function prebuildSharedPairs(env: PipelineEnv, r: ResolvedPipeline, origin: SftSource): Promise<ArmName[]> {
  const sharing = r.loop.arms.filter((a) => isDpoArm(r, a) && a !== 'sequence');
  if (sharing.length < 2) return [];
  const preference = roundPreference(r, sharing[0], 0);
  const samples = roundPrompts(await readSamples(env.store, 'train'), 0, r.loop.promptsPerRound, r.config.seed, r.loop.warmupSamples);
  const shared = sharedPairsDir(preference, origin.inputs, samples);
  if (env.store.has(`${shared}/pairs.jsonl`)) return sharing;
  env.events.log?.(`${shared}: round 1's pairs, built once for ${sharing.join(', ')}`);
  const { model, tokenizer } = await loadCheckpoint(origin.source);
  try {
    await buildRoundData(env, r, sharing[0], 0, model, tokenizer, samples, preference, origin.inputs);
  } finally {
    disposeModel(model);
  }
  return sharing;
}

interface RoundData {
  file: string;
  /** The shared folder the pairs were read from, when built earlier. */
  reusedFrom?: string;
  text: string;
  stats: unknown;
  items: number;
  /** SFT arms: the encoded targets. */
  targets?: EncodedSample[];
}

async function buildRoundData(env: PipelineEnv, r: ResolvedPipeline, arm: ArmName, round: number, model: Model, tokenizer: Tokenizer, samples: Sample[], preference: ResolvedPipeline['pairsToken'], policyId: Record<string, string>): Promise<RoundData> {
  const label = `loop/${arm}/round-${round + 1}`;
  if (isDpoArm(r, arm)) {
    // Arms whose policies are still the same (round 1) build the same pairs: the first one's are reused.
    const shared = sharedPairsDir(preference, policyId, samples);
    if (env.store.has(`${shared}/pairs.jsonl`)) {
      const text = await env.store.readText(`${shared}/pairs.jsonl`);
      env.events.log?.(`${label}: the same pairs as ${shared} (same policy, prompts and settings), reused`);
      return { file: 'pairs.jsonl', text, stats: JSON.parse(await env.store.readText(`${shared}/stats.json`)), items: text.split('\n').filter(Boolean).length, reusedFrom: shared };
    }
    const res = await buildPairs(model, tokenizer, samples, preference, { onProgress: (p) => env.events.progress?.(`${label} pairs`, p.done, p.total) });
    const text = pairsToTrlJsonl(res.pairs);
    await env.store.writeFiles(shared, { 'pairs.jsonl': text, 'stats.json': JSON.stringify(res.stats) });
    return { file: 'pairs.jsonl', text, stats: res.stats, items: res.pairs.length };
  }
  const loop = r.loop;
  const res = await buildTurnTargets(model, tokenizer, samples, {
    samples: arm === 'rft' ? loop.rftSamples : 0, temperature: loop.rftTemperature, threshold: loop.rftThreshold,
    includeTextTurns: r.pairsToken.includeTextTurns, maxNewTokens: r.pairsToken.maxNewTokens, seqLen: r.dpo.seqLen,
    seed: preference.seed, onProgress: (done, total) => env.events.progress?.(`${label} targets`, done, total),
  });
  const rows = res.targets.map(({ encoded: _, ...t }) => t);
  return { file: 'targets.jsonl', text: toJsonl(rows), stats: res.stats, items: res.targets.length, targets: res.targets.map((t) => t.encoded) };
}

/**
 * `prompts`: the round's samples, whose ground truth is the SFT anchor of a DPO arm (dpo.anchorWeight > 0) and, with
 * `sftAnchor`, of an SFT arm (at the same weight and the same rows a step: RFT with loop.rftAnchor).
 */
async function trainRound(env: PipelineEnv, dir: string, model: Model, tokenizer: Tokenizer, dpo: DpoConfig, data: RoundData, reference: Model | undefined, prompts: Sample[], maxKl: number, sftAnchor: boolean,
  metrics: (DpoStepMetrics | StepMetrics)[], ck?: Pick<StageCheckpoints, 'resume' | 'saveCheckpoint'> & { every: number })
  : Promise<{ model: Model; metrics: (DpoStepMetrics | StepMetrics)[]; config: unknown; filtered?: PairFilterCount }> {
  // With checkpoints: saved every ck.every steps (a setting of the run, not of the round: the recorded config keeps
  // checkpointEvery 0), and a stopped round continues from the newest with its metrics so far.
  const resume = ck?.resume;
  if (resume) metrics.push(...(resume.metrics as (DpoStepMetrics | StepMetrics)[]));
  const checkpoints = ck ? { checkpointEvery: ck.every } : {};
  const saveCheckpoint = ck?.saveCheckpoint;
  const onStep = (m: DpoStepMetrics | StepMetrics): void => {
    metrics.push(m);
    env.events.progress?.(dir, m.step, dpo.steps);
    logEvery(dir, m.step, dpo.steps, `loss ${m.loss.toFixed(4)}`, env);
  };
  if (data.items === 0) {
    env.events.log?.(`${dir}: no training data this round; the policy is unchanged`);
    return { model, metrics, config: dpo };
  }
  if (data.targets) {
    // The SFT arms get the DPO arms' optimizer budget: the same steps, batch, learning rate and schedule.
    const sft = resolveSftConfig({
      lr: dpo.lr, lrMinRatio: dpo.lrMinRatio, warmupSteps: dpo.warmupSteps, steps: dpo.steps, batchSize: dpo.batchSize,
      gradAccumSteps: dpo.gradAccumSteps, weightDecay: dpo.weightDecay, maxGradNorm: dpo.maxGradNorm, seed: dpo.seed,
      checkpointEvery: 0, seqLen: dpo.seqLen, bucketByLength: false,
    });
    const trainConfig = { ...sft, ...checkpoints };
    if (resume?.weights) restoreWeights(model, resume.weights);
    const anchor = sftAnchor ? { samples: encodeSamples(prompts, tokenizer, { seqLen: dpo.seqLen, trainOn: 'assistant' }).samples, weight: dpo.anchorWeight, seed: dpo.seed, perPair: dpo.anchorPerPair } : undefined;
    const start = replicasWhereTheyApply(env.replicas, dir, { ...sft, anchorWeight: anchor?.weight }, true, env.events.log);
    const replicas = start && await start(await sftReplicaSpec(model, { data: data.targets, config: sft, padTokenId: tokenizer.padTokenId }));
    const anchorRows = anchor ? sft.batchSize * anchorPerPair(anchor.samples.length, data.targets.length, dpo.anchorPerPair) : 0; // sft.ts's planAnchor
    await runSft({
      policy: modelPolicy(model, sft, undefined, anchorRows), data: data.targets, config: trainConfig, padTokenId: tokenizer.padTokenId, replicas, anchor,
      modelFiles: () => checkpointFiles(model, tokenizer), hooks: { onStep, saveCheckpoint }, resume,
    })
      .finally(() => replicas?.close());
    return { model, metrics, config: sft };
  }
  const records = parseDpoRecordsJsonl(data.text, `${dir}/${data.file}`);
  const startReplicas = replicasWhereTheyApply(env.replicas, dir, dpo, dpoSplittable(dpo), env.events.log);
  const anchor = dpo.anchorWeight > 0 ? prompts : undefined;
  const guard = { maxKl }; // the anchor alone has no KL limit (train/dpo.ts)
  const job = await runDpoJob({
    model, reference, tokenizer, records, recordsName: `${dir}/${data.file}`, config: { ...dpo, ...checkpoints }, anchor,
    modelFiles: (m) => checkpointFiles(m, tokenizer), hooks: { onStep, guard, saveCheckpoint }, startReplicas, resume,
  });
  return { model: job.model, metrics, config: dpo, filtered: job.encoded.filtered };
}
