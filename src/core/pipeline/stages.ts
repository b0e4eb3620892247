// The pipeline's stages, each resumable and callable alone: data, tokenizer, sft, eval, pairs, dpo.
// A stage reads earlier stages' folders from the RunStore and writes its own; stage.ts decides skipping.
import { renderConversation } from '../data/chat_format.ts';
import { generateDataset } from '../data/generate.ts';
import type { Sample } from '../data/sample.ts';
import { excludeShared, splitSamples } from '../data/split.ts';
import { resolveModelConfig } from '../model/config.ts';
import { createModel, disposeModel, type Model } from '../model/params.ts';
import { buildPairs } from '../preference/build_pairs.ts';
import type { PairStats } from '../preference/stats.ts';
import { pairsToTrlJsonl } from '../preference/trl_export.ts';
import { createRng } from '../rng.ts';
import { checkpointFiles, loadCheckpoint, loadTokenizerFrom } from '../runtime/checkpoint.ts';
import type { FileSource } from '../runtime/file_source.ts';
import { reportToMarkdown, } from '../scoring/report.ts';
import type { EvalReport } from '../scoring/evaluate.ts';
import { buildTokenizerConfig, trainDefaultTokenizer } from '../tokenizer/default_tokenizer.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import type { SftConfig } from '../train/config.ts';
import type { DpoStepMetrics } from '../train/dpo.ts';
import type { DpoConfig } from '../train/dpo_config.ts';
import { parseDpoRecordsJsonl, runDpoJob, selectDpoRecords } from '../train/dpo_run.ts';
import { filterPairRecords, pairFilterNote, type PairFilter } from '../preference/pair_filter.ts';
import { modelPolicy } from '../train/policy.ts';
import { encodeSamples } from '../train/sft_data.ts';
import { runSft } from '../train/sft.ts';
import { replicasWhereTheyApply, sftReplicaSpec, type ReplicaHost } from '../train/replica.ts';
import { dpoSplittable } from '../train/dpo.ts';
import type { StepMetrics } from '../train/trainer.ts';
import type { ResolvedPipeline } from './config.ts';
import { evaluateModel, errorRate } from './evaluate_model.ts';
import { bytesHash } from './hash.ts';
import { runStage, type StageEvents, type StageRecord } from './stage.ts';
import type { RunStore } from './store.ts';

export interface PipelineEnv {
  store: RunStore;
  events: StageEvents;
  /** The shipped SFT checkpoint (models/default), used when the preset's useStartModel is on. */
  startModel?: FileSource;
  /** Data-parallel replicas for the training stages (Node: worker threads); losses equal one runtime's to float rounding. */
  replicas?: ReplicaHost;
  /**
   * The loop rounds' training saves a checkpoint every this many steps beside the stage (stage_checkpoints.ts), and a
   * rerun of a stopped round continues from it with the same result; 0 or absent: none. Not part of any stage's hash.
   */
  checkpointEvery?: number;
}

export type PairMode = 'token' | 'sequence';

export const toJsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r) + '\n').join('');
export const parseJsonl = <T>(text: string): T[] => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
export const hashes = (...recs: StageRecord[]): Record<string, string> => Object.fromEntries(recs.map((r) => [r.stage, r.hash]));

export interface DataSummary {
  counts: { train: number; val: number; test: number };
  /** Generated samples the chat template could not render, left out. */
  unrenderable: number;
  categories: Record<string, number>;
  /** Generated samples dropped by `data.exclude` (absent without it). */
  excluded?: number;
}

export function dataStage(env: PipelineEnv, r: ResolvedPipeline): Promise<StageRecord<DataSummary>> {
  const held = r.dataExclude;
  // without `exclude` the stage's identity is the generator config alone, as before the option existed
  return runStage(env.store, 'data', held.length ? { ...r.data, exclude: held } : r.data, {}, env.events, async () => {
    const { split, generated, excluded, unrenderable } = buildDataSplits(r);
    if (held.length) env.events.log?.(`data: data.exclude dropped ${excluded} of ${generated} generated samples (a call or question shared with ${held.map((c) => `n ${c.n} seed ${c.seed}`).join(', ')})`);
    await env.store.writeFiles('data', { 'train.jsonl': toJsonl(split.train), 'val.jsonl': toJsonl(split.val), 'test.jsonl': toJsonl(split.test) });
    const categories: Record<string, number> = {};
    for (const s of split.test) categories[s.meta.category] = (categories[s.meta.category] ?? 0) + 1;
    env.events.log?.(`data: ${split.train.length} train, ${split.val.length} val, ${split.test.length} test (${unrenderable} unrenderable left out)`);
    return { counts: split.report.counts, unrenderable, categories, ...(held.length ? { excluded } : {}) };
  });
}

/** The data stage's work without its files: generate, drop what `data.exclude` holds out, drop the unrenderable, split. */
export function buildDataSplits(r: ResolvedPipeline): { split: ReturnType<typeof splitSamples>; generated: number; excluded: number; unrenderable: number } {
  const held = r.dataExclude;
  const generated = generateDataset(r.data);
  const { kept, dropped } = held.length ? excludeShared(generated, held.flatMap((c) => generateDataset(c))) : { kept: generated, dropped: 0 };
  if (held.length && kept.length === 0) throw new Error(`pipeline.data.exclude dropped all ${generated.length} generated samples`);
  const ok = kept.filter((s) => renders(s));
  return { split: splitSamples(ok, r.data.split, r.data.seed), generated: generated.length, excluded: dropped, unrenderable: kept.length - ok.length };
}

function renders(s: Sample): boolean {
  try {
    renderConversation(s.messages, s.tools);
    return true;
  } catch {
    return false;
  }
}

export const readSamples = async (store: RunStore, split: 'train' | 'val' | 'test'): Promise<Sample[]> => parseJsonl<Sample>(await store.readText(`data/${split}.jsonl`));

/** The SFT model's folder and identity: the shipped start checkpoint, or the pipeline's own SFT stage. */
export interface SftSource {
  source: FileSource;
  /** Stage-hash entries that identify it. */
  inputs: Record<string, string>;
}

export async function startModelSource(start: FileSource): Promise<SftSource> {
  const id = bytesHash(await start.read('config.json')) + bytesHash(await start.read('model.safetensors'));
  return { source: start, inputs: { start: id } };
}

/** Trains the tokenizer and the SFT model from scratch (used when no start checkpoint is shipped). */
export async function sftStage(env: PipelineEnv, r: ResolvedPipeline, data: StageRecord): Promise<SftSource> {
  const tok = await runStage(env.store, 'tokenizer', r.config.tokenizer, hashes(data), env.events, async () => {
    const train = await readSamples(env.store, 'train');
    const json = trainDefaultTokenizer(train.map((s) => renderConversation(s.messages, s.tools)), { vocabSize: r.config.tokenizer.vocabSize });
    await env.store.writeFiles('tokenizer', { 'tokenizer.json': JSON.stringify(json), 'tokenizer_config.json': JSON.stringify(buildTokenizerConfig(json), null, 2) });
    return {};
  });
  const sftConfig = { sft: r.sft, model: r.config.model };
  const rec = await runStage(env.store, 'sft', sftConfig, hashes(data, tok), env.events, async () => {
    const tokenizer = await loadTokenizerFrom(env.store.source('tokenizer'));
    const model = createModel(resolveModelConfig(r.config.model.preset, { ...r.config.model.overrides, vocab_size: tokenizer.vocabSize }), r.sft.seed);
    try {
      const { metrics, truncated } = await sftOn(env, 'sft', model, tokenizer, await readSamples(env.store, 'train'), r.sft);
      await env.store.writeFiles('sft/model', await checkpointFiles(model, tokenizer));
      await env.store.writeFiles('sft', { 'metrics.jsonl': toJsonl(metrics) });
      return { finalLoss: metrics[metrics.length - 1]?.loss ?? null, truncated };
    } finally {
      disposeModel(model);
    }
  });
  return { source: env.store.source('sft/model'), inputs: hashes(rec) };
}

/** SFT of `model` in place on `samples` (replicas where they apply), progress and log lines under `label`. */
export async function sftOn(env: PipelineEnv, label: string, model: Model, tokenizer: Tokenizer, samples: Sample[], sft: SftConfig): Promise<{ metrics: StepMetrics[]; truncated: number }> {
  const enc = encodeSamples(samples, tokenizer, sft);
  const metrics: StepMetrics[] = [];
  const start = replicasWhereTheyApply(env.replicas, label, sft, true, env.events.log);
  const replicas = start && await start(await sftReplicaSpec(model, { data: enc.samples, config: sft, padTokenId: tokenizer.padTokenId }));
  await runSft({
    policy: modelPolicy(model, sft), data: enc.samples, config: sft, padTokenId: tokenizer.padTokenId, replicas,
    modelFiles: () => checkpointFiles(model, tokenizer),
    hooks: { onStep: (m) => { metrics.push(m); env.events.progress?.(label, m.step, sft.steps); logEvery(label, m.step, sft.steps, `loss ${m.loss.toFixed(4)}`, env); } },
  }).finally(() => replicas?.close());
  return { metrics, truncated: enc.truncated };
}

export function logEvery(stage: string, step: number, total: number, text: string, env: PipelineEnv): void {
  if (step === 1 || step % 10 === 0 || step === total) env.events.log?.(`${stage}: step ${step}/${total} ${text}`);
}

export interface EvalSummaryLine {
  errorRate: number;
  exactMatch: number;
  meanEsm: number;
  turns: number;
}

/**
 * Greedy evaluation of a model folder on the test split (eval/<name>/report.json and report.md), or on the first
 * `limit` validation samples (eval-val/<name>/).
 */
export function evalStage(env: PipelineEnv, r: ResolvedPipeline, name: string, model: SftSource, data: StageRecord, split: 'test' | 'val' = 'test', limit = r.config.eval.limit): Promise<StageRecord<EvalSummaryLine>> {
  const dir = split === 'test' ? `eval/${name}` : `eval-val/${name}`;
  const config = split === 'test' ? r.config.eval : { ...r.config.eval, limit, split };
  return runStage(env.store, dir, config, { ...hashes(data), ...model.inputs }, env.events, async () => {
    const { model: m, tokenizer } = await loadCheckpoint(model.source);
    try {
      const all = await readSamples(env.store, split);
      const samples = limit > 0 ? all.slice(0, limit) : all;
      const report = await evaluateModel(m, tokenizer, samples, {
        maxNewTokens: r.config.eval.maxNewTokens, batchSize: r.config.eval.batchSize,
        onProgress: (done, total) => env.events.progress?.(dir, done, total),
      });
      await env.store.writeFiles(dir, { 'report.json': JSON.stringify(report) + '\n', 'report.md': reportToMarkdown(report) });
      const o = report.overall;
      env.events.log?.(`${dir}: error rate ${(100 * errorRate(report)).toFixed(1)}%, mean ESM ${o.meanEsm.toFixed(3)} over ${o.turns} turns`);
      return { errorRate: errorRate(report), exactMatch: o.exactMatch, meanEsm: o.meanEsm, turns: o.turns };
    } finally {
      disposeModel(m);
    }
  });
}

export const readEvalReport = async (store: RunStore, name: string): Promise<EvalReport> => JSON.parse(await store.readText(`eval/${name}/report.json`)) as EvalReport;

/** Preference pairs from the SFT model on the first `pairs.prompts` train samples (seeded order). */
export function pairsStage(env: PipelineEnv, r: ResolvedPipeline, mode: PairMode, sft: SftSource, data: StageRecord): Promise<StageRecord<PairStats>> {
  const config = { preference: mode === 'token' ? r.pairsToken : r.pairsSequence, prompts: r.config.pairs.prompts };
  return runStage(env.store, `pairs/${mode}`, config, { ...hashes(data), ...sft.inputs }, env.events, async () => {
    const { model, tokenizer } = await loadCheckpoint(sft.source);
    try {
      const train = createRng(config.preference.seed).shuffle(await readSamples(env.store, 'train'));
      const result = await buildPairs(model, tokenizer, train.slice(0, config.prompts), config.preference, {
        onProgress: (p) => env.events.progress?.(`pairs/${mode}`, p.done, p.total),
      });
      await env.store.writeFiles(`pairs/${mode}`, { 'pairs.jsonl': pairsToTrlJsonl(result.pairs), 'stats.json': JSON.stringify(result.stats, null, 2) + '\n' });
      env.events.log?.(`pairs/${mode}: ${result.pairs.length} pairs from ${result.stats.prompts} prompts`);
      return result.stats;
    } finally {
      disposeModel(model);
    }
  });
}

export interface DpoSummary {
  pairs: number;
  pairsAvailable: number;
  /** What dpo.pairFilter kept of the pairs available, before an equal cut (absent in runs made before the filter). */
  pairsKept?: number;
  steps: number;
  final: DpoStepMetrics | null;
}

/**
 * DPO from the SFT model on one pair set, the pairs dpo.pairFilter keeps. With `equalTo`, both runs train on the same
 * number of pairs: the smaller kept count, a seeded subsample of the larger.
 */
export function dpoStage(
  env: PipelineEnv, r: ResolvedPipeline, mode: PairMode, sft: SftSource, pairs: StageRecord<PairStats>, other?: StageRecord<PairStats>,
  arm: { name: string; dpo: DpoConfig } = { name: mode, dpo: r.dpo },
): Promise<StageRecord<DpoSummary>> {
  const { name, dpo } = arm;
  const inputs = { ...sft.inputs, ...hashes(pairs, ...(other ? [other] : [])) };
  return runStage(env.store, `dpo/${name}`, dpo, inputs, env.events, async () => {
    const file = `pairs/${mode}/pairs.jsonl`;
    const all = parseDpoRecordsJsonl(await env.store.readText(file), file);
    // Filtered here, before the equal cut (runDpoJob's own filter then keeps them all).
    const kept = selectDpoRecords(all, dpo.pairFilter, file).records;
    if (dpo.pairFilter !== 'all') env.events.log?.(`dpo/${name}: ${pairFilterNote(dpo.pairFilter, kept.length, all.length)}`);
    const n = other ? Math.min(kept.length, await keptCount(env.store, other, dpo.pairFilter)) : kept.length;
    const records = createRng(dpo.seed).shuffle(kept).slice(0, n);
    const { model, tokenizer } = await loadCheckpoint(sft.source);
    const metrics: DpoStepMetrics[] = [];
    try {
      if (!records.length) {
        env.events.log?.(`dpo/${name}: no pairs to train on; the model stays the SFT model`);
        await env.store.writeFiles(`dpo/${name}/model`, await checkpointFiles(model, tokenizer, { 'dpo_config.json': dpo }));
        await env.store.writeFiles(`dpo/${name}`, { 'metrics.jsonl': '' });
        return { pairs: 0, pairsAvailable: all.length, pairsKept: kept.length, steps: 0, final: null };
      }
      const job = await runDpoJob({
        model, tokenizer, records, config: dpo, modelFiles: (m) => checkpointFiles(m, tokenizer),
        anchor: dpo.anchorWeight > 0 ? await readSamples(env.store, 'train') : undefined, // the SFT anchor: the train split's ground truth
        startReplicas: replicasWhereTheyApply(env.replicas, `dpo/${name}`, dpo, dpoSplittable(dpo), env.events.log),
        hooks: {
          onReference: (done, total) => env.events.progress?.(`dpo/${name} reference`, done, total),
          onStep: (m) => {
            metrics.push(m);
            env.events.progress?.(`dpo/${name}`, m.step, dpo.steps);
            logEvery(`dpo/${name}`, m.step, dpo.steps, `loss ${m.loss.toFixed(4)} margin ${m['rewards/margins'].toFixed(3)} acc ${m['rewards/accuracies'].toFixed(2)}`, env);
          },
        },
      });
      await env.store.writeFiles(`dpo/${name}/model`, await checkpointFiles(job.model, tokenizer, { 'dpo_config.json': dpo }));
      await env.store.writeFiles(`dpo/${name}`, { 'metrics.jsonl': toJsonl(metrics) });
      if (job.model !== model) disposeModel(job.model);
      return { pairs: job.encoded.pairs, pairsAvailable: all.length, pairsKept: kept.length, steps: metrics.length, final: metrics[metrics.length - 1] ?? null };
    } finally {
      disposeModel(model);
    }
  });
}

/** How many of another pairs stage's pairs `filter` keeps (its summary's count when it keeps all). */
async function keptCount(store: RunStore, pairs: StageRecord<PairStats>, filter: PairFilter): Promise<number> {
  if (filter === 'all') return pairs.summary.pairs;
  const file = `${pairs.stage}/pairs.jsonl`;
  return filterPairRecords(parseDpoRecordsJsonl(await store.readText(file), file), filter, file).length;
}

export const readDpoMetrics = async (store: RunStore, name: string): Promise<DpoStepMetrics[]> => parseJsonl<DpoStepMetrics>(await store.readText(`dpo/${name}/metrics.jsonl`));

export const dpoModelSource = (env: PipelineEnv, rec: StageRecord): SftSource => ({ source: env.store.source(`dpo/${rec.stage.split('/')[1]}/model`), inputs: hashes(rec) });
