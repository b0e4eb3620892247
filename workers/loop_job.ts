// The DPO stage with rounds > 1 in the engine: on-policy rounds on the session's model. Round 1 trains on the Pairs
// stage's pairs; each later round decodes the next fresh slice of train samples with the current model into pairs
// (the Pairs stage's settings), trains one DPO round against the round's starting policy, and every round ends with
// a validation check. Core does the work (roundPrompts, buildPairs, runDpoJob, evaluateModel); runs do not resume.
import { disposeModel } from '../src/core/model/params.ts';
import { errorRate, evaluateModel } from '../src/core/pipeline/evaluate_model.ts';
import { roundPrompts } from '../src/core/pipeline/arm_round.ts';
import { buildPairs } from '../src/core/preference/build_pairs.ts';
import { pairToTrl } from '../src/core/preference/trl_export.ts';
import { checkpointFiles } from '../src/core/runtime/checkpoint.ts';
import type { DpoConfig } from '../src/core/train/dpo_config.ts';
import { runDpoJob } from '../src/core/train/dpo_run.ts';
import type { CheckpointInfo, DpoRequest, DpoRoundResult, DpoRoundsInput, PreferencePair, Sample, TrainResultSummary } from '../src/protocol.ts';
import type { CheckpointStore } from './checkpoint_store.ts';
import { dpoPoint } from './dpo_job.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';
import { planPairs } from './pairs_job.ts';
import { splitDpoConfig } from './stage_config.ts';
import type { RunReplicas } from './train_run.ts';

/** Greedy decoding batch of the per-round validation check. */
const VAL_BATCH = 4;

export async function loopJob(session: Session, request: DpoRequest, job: Job, store: CheckpointStore, replicasFor: (count: number) => RunReplicas, onRound?: (r: DpoRoundResult) => void): Promise<TrainResultSummary> {
  const { rounds: N, valSamples, replicas: count, dpo } = splitDpoConfig(request.config);
  const replicas = replicasFor(count);
  const plan = planRounds(N, valSamples, request);
  const total = N * dpo.steps;
  job.setTotal(total);
  const trainedName = session.info.name.endsWith(' + DPO') ? session.info.name : `${session.info.name} + DPO`;
  const results: DpoRoundResult[] = [];
  const losses: number[] = [];
  let step = 0;
  let stopped = false;

  for (let k = 1; k <= N && !stopped; k++) {
    const label = `round ${k}/${N}`;
    let pairs = request.pairs;
    let sampleIds = [...new Set(plan.input.usedSampleIds)];
    let anchor = request.anchor;
    if (k > 1) {
      if (await job.shouldStop()) break;
      // The next fresh slice, decoded by the current (updated) policy with the Pairs settings.
      const slice = roundPrompts(plan.pool, k - 2, plan.perRound, dpo.seed);
      const pick = planPairs(plan.input.pairsConfig, slice);
      const built = await buildPairs(session.model, session.tokenizer, pick.samples, { ...pick.config, seed: pick.config.seed + 7919 * (k - 1) }, {
        shouldStop: () => job.shouldStop(),
        onProgress: (p) => job.report(step, {}, `${label}: pairs, prompt ${p.done}/${p.total} (${p.pairs} pairs)`),
      });
      if (built.stopped) break;
      pairs = built.pairs;
      sampleIds = pick.samples.map((s) => s.id);
      anchor = pick.samples; // the SFT anchor (dpo.anchorWeight > 0): the round's own prompts, as the pipeline's loop arms
    }
    const round = await trainRound(session, job, { ...dpo, seed: dpo.seed + k - 1, checkpointEvery: 0 }, { pairs, anchor }, step, label, replicas);
    step += round.steps;
    losses.push(...round.losses);
    if (round.steps > 0) session.info = { ...session.info, name: trainedName };
    if (round.stopped) stopped = true;
    else {
      const report = await evaluateModel(session.model, session.tokenizer, plan.val, {
        maxNewTokens: plan.maxNewTokens, batchSize: VAL_BATCH,
        onProgress: (done, of) => job.report(step, {}, `${label}: validation, turn ${done}/${of}`),
      });
      const result: DpoRoundResult = {
        round: k, sampleIds, pairs: pairs.length, ...(round.kept !== undefined ? { pairsKept: round.kept } : {}), steps: round.steps, finalLoss: round.losses.at(-1),
        valErrorRate: errorRate(report), valTurns: report.overall.turns, valMeanEsm: report.overall.meanEsm,
      };
      results.push(result);
      job.report(step, {}, `${label}: validation error ${(100 * result.valErrorRate).toFixed(1)}%`);
      onRound?.(result);
    }
  }
  const checkpointId = step > 0 ? await saveModel(session, store, request.runId, step, trainedName) : undefined;
  job.flush();
  return {
    outcome: results.length === N ? 'done' : 'stopped', step, total, losses,
    checkpointId,
    config: { rounds: N, valSamples, replicas: count, ...dpo } as unknown as Record<string, unknown>,
    notes: [`${results.length} of ${N} rounds; pairs per round ${results.map((r) => (r.pairsKept !== undefined && dpo.pairFilter !== 'all' ? `${r.pairsKept} of ${r.pairs}` : r.pairs)).join(', ')}${dpo.pairFilter === 'all' ? '' : ` (kept by ${dpo.pairFilter})`}; validation error ${results.map((r) => `${(100 * r.valErrorRate).toFixed(1)}%`).join(', ')} on ${results[0]?.valTurns ?? 0} turns`,
      ...[replicas.note()].filter((n) => n !== undefined)],
    rounds: results,
  };
}

interface RoundsPlan {
  input: DpoRoundsInput;
  /** Train samples never decoded for pairs, from which rounds 2..N draw. */
  pool: Sample[];
  /** Samples per later round: as many as round 1 used. */
  perRound: number;
  val: Sample[];
  maxNewTokens: number;
}

/** Checks up front that every round has fresh samples and the validation check has samples, naming what is short. */
function planRounds(N: number, valSamples: number, request: DpoRequest): RoundsPlan {
  const input = request.rounds;
  if (!input) throw new Error(`dpo.rounds ${N} needs the train and validation samples and the Pairs settings (DpoRequest.rounds)`);
  if (request.resumeFrom) throw new Error(`a run with dpo.rounds ${N} cannot resume from a checkpoint; start it again`);
  const val = input.val.slice(0, valSamples);
  if (!val.length) throw new Error(`dpo.rounds ${N} checks every round on validation samples, but the dataset's validation split is empty: generate or import more data`);
  const used = new Set(input.usedSampleIds);
  const pool = input.train.filter((s) => !used.has(s.id));
  const perRound = Math.max(1, used.size);
  const need = (N - 1) * perRound;
  if (need > pool.length) {
    throw new Error(`dpo.rounds ${N} needs ${N - 1} fresh slices of ${perRound} train samples (${need}) besides the ${used.size} the Pairs stage used, but only ${pool.length} are left: generate more data or lower dpo.rounds`);
  }
  return { input, pool, perRound, val, maxNewTokens: planPairs(input.pairsConfig, []).config.maxNewTokens };
}

interface RoundTraining {
  steps: number;
  /** Pairs dpo.pairFilter kept (undefined: no pairs this round). */
  kept?: number;
  losses: number[];
  stopped: boolean;
}

/** One DPO round on the session's model; the reference is the model at the round's start (runDpoJob's default). */
async function trainRound(session: Session, job: Job, config: DpoConfig, data: { pairs: PreferencePair[]; anchor?: Sample[] }, offset: number, label: string, replicas: RunReplicas): Promise<RoundTraining> {
  const { pairs, anchor } = data;
  if (!pairs.length) {
    job.report(offset, {}, `${label}: no pairs; the model is unchanged`);
    return { steps: 0, losses: [], stopped: false };
  }
  const result = await runDpoJob({
    model: session.model, tokenizer: session.tokenizer, records: pairs.map(pairToTrl), config, anchor, startReplicas: replicas.start,
    modelFiles: (m) => checkpointFiles(m, session.tokenizer),
    hooks: {
      shouldStop: () => job.shouldStop(),
      onReference: (done, of) => job.report(offset, {}, `${label}: reference log-probs ${done}/${of}`),
      onStep: (m) => job.report(offset + m.step, dpoPoint(m), label),
    },
  });
  if (result.model !== session.model) {
    disposeModel(session.model);
    session.model = result.model;
  }
  return { steps: result.result.state.step, kept: result.encoded.filtered.kept, losses: result.result.losses, stopped: result.result.stopped };
}

/** The model after the last round (also when stopped), stored like a run's last checkpoint so the page can reload it. */
async function saveModel(session: Session, store: CheckpointStore, runId: string, step: number, modelName: string): Promise<string> {
  const files = await checkpointFiles(session.model, session.tokenizer);
  // total = step: a rounds run does not resume from a checkpoint, so the page never offers to.
  const info: CheckpointInfo = {
    id: `${runId}-checkpoint-${step}`, stage: 'dpo', step, total: step, runId, createdAt: Date.now(),
    bytes: Object.values(files).reduce((n, f) => n + f.byteLength, 0), modelName,
  };
  await store.put(info, files);
  return info.id;
}
