// A whole DPO job on one model: keep the pairs dpo.pairFilter names, encode TRL-form pairs, compute reference
// log-probs once (the starting model, or the base with adapters off for LoRA), train full weights or LoRA adapters,
// return the final model (LoRA merged). Shared by `ttpa dpo`, the pipeline and the app; file I/O stays with the caller.
import { tf } from '../runtime/tf.ts';
import { readJsonl, throwFirstError } from '../data/jsonl.ts';
import { restoreWeights, type Model } from '../model/params.ts';
import { runDpo, type DpoHooks, type DpoPolicy } from './dpo.ts';
import type { DpoConfig } from './dpo_config.ts';
import { encodePairs, type ConversationalPair, type DpoTokenizer, type EncodePairsReport } from './dpo_data.ts';
import { adaptedModel, ADAPTER_FILE, createLora, disposeLora, loraParams, mergeLora, restoreLora, serializeLora, type LoraAdapters } from './lora.ts';
import { computeReferenceLogps, computeReferenceOverReplicas } from './reference.ts';
import type { Replicas } from './data_parallel.ts';
import { planTrainingStep, type MemoryTask } from '../runtime/memory_plan.ts';
import type { ResumeFrom, TrainResult } from './trainer.ts';
import { dpoReplicaSpec, type StartReplicas } from './replica.ts';
import type { Sample } from '../data/sample.ts';
import { encodeSamples, type EncodedSample } from './sft_data.ts';
import { anchorPerPair } from './anchor.ts';
import { filterPairRecords, pairFilterNote, type PairFilter, type PairMeta } from '../preference/pair_filter.ts';

/** A preference record as the preference module exports it (TRL conversational + our `ttpa` field). */
export interface DpoRecord extends ConversationalPair {
  ttpa?: Partial<PairMeta> & { margin?: number; chosen_esm?: number; rejected_esm?: number };
}

export interface DpoJobResume extends ResumeFrom {
  /** Full fine-tuning: the checkpoint's weights by parameter name. */
  weights?: Record<string, Float32Array>;
  /** LoRA: the checkpoint's adapter_model.safetensors bytes. */
  adapter?: Uint8Array;
}

export interface DpoJob {
  /** The starting model (the reference unless `reference` is given); trained in place for full fine-tuning. */
  model: Model;
  /** A different reference model (same tokenizer), e.g. the SFT model while `model` is a later policy. */
  reference?: Model;
  tokenizer: DpoTokenizer;
  /** Every pair of the run; config.pairFilter picks those it trains on. */
  records: DpoRecord[];
  /** Names the records in errors (e.g. their file): "<name> pair 3: no ttpa metadata". */
  recordsName?: string;
  config: DpoConfig;
  hooks?: DpoHooks & { onReference?(done: number, total: number): void };
  /** Files of a checkpoint of `model`'s current weights (model + tokenizer); LoRA checkpoints hold adapters instead. */
  modelFiles: (model: Model) => Promise<Record<string, Uint8Array>>;
  resume?: DpoJobResume;
  /** Data-parallel replicas (full fine-tuning only), started once the reference log-probs are on the pairs and closed after. */
  startReplicas?: StartReplicas;
  /** Ground-truth samples for the SFT anchor (config.anchorWeight > 0), trained on their assistant turns. */
  anchor?: Sample[];
}

/** What dpo.pairFilter kept of a job's records. */
export interface PairFilterCount {
  filter: PairFilter;
  kept: number;
  of: number;
  /**
   * Of the kept pairs, how many have the ground truth as the chosen side (an SFT anchor on the same prompts trains
   * that text too) and how many an exact chosen side (ESM 1); counted from the pairs' metadata, absent without it.
   */
  chosenTruth?: number;
  chosenExact?: number;
}

export interface DpoJobResult {
  /** Full: the trained `model` itself. LoRA: new merged variables (the caller disposes them). */
  model: Model;
  result: TrainResult;
  encoded: Omit<EncodePairsReport, 'pairs'> & { pairs: number; anchor?: number; filtered: PairFilterCount };
}

/**
 * The records config.pairFilter keeps, with the count; throws when it keeps none of a non-empty set (naming the filter
 * and the counts) or a record lacks the metadata the filter reads (naming it).
 */
export function selectDpoRecords(records: readonly DpoRecord[], filter: PairFilter, name?: string): { records: DpoRecord[]; filtered: PairFilterCount } {
  const kept = filterPairRecords(records, filter, name);
  if (records.length > 0 && kept.length === 0) {
    throw new Error(`dpo.pairFilter ${filter} keeps none of the ${records.length} pairs${name ? ` of ${name}` : ''} (${pairFilterNote(filter, 0, records.length)}); choose another filter or build more pairs`);
  }
  const withMeta = kept.filter((r) => typeof r.ttpa?.chosen_source === 'string' && typeof r.ttpa?.chosen_esm === 'number');
  const chosen = withMeta.length === kept.length && kept.length > 0
    ? { chosenTruth: kept.filter((r) => r.ttpa!.chosen_source === 'ground_truth').length, chosenExact: kept.filter((r) => r.ttpa!.chosen_esm! >= 1 - 1e-9).length }
    : {};
  return { records: kept, filtered: { filter, kept: kept.length, of: records.length, ...chosen } };
}

/** ESM margin of a record: `ttpa.margin`, else chosen_esm − rejected_esm, else 1 (unknown). */
export function recordMargin(r: DpoRecord): number {
  if (typeof r.ttpa?.margin === 'number') return r.ttpa.margin;
  if (typeof r.ttpa?.chosen_esm === 'number' && typeof r.ttpa?.rejected_esm === 'number') return r.ttpa.chosen_esm - r.ttpa.rejected_esm;
  return 1;
}

/** What an anchored step plans for (anchor.ts): ground-truth samples and pairs; each micro-batch of B pairs trains B·anchorPerPair(samples, pairs, dpo.anchorPerPair) samples. */
export interface AnchorCounts {
  samples: number;
  pairs: number;
}

/**
 * Plans the job's step (runtime/memory_plan.ts) before any work: throws MemoryPlanError (why, and what fits) when
 * it cannot fit the backend's memory; returns whether layers are recomputed in the backward pass
 * (config.gradientCheckpointing 'on', or 'auto' and the step does not fit without it). With an SFT anchor
 * (config.anchorWeight > 0) the step also holds the anchor's sequences, so `anchor` is required.
 */
export function planDpoStep(model: Model, config: DpoConfig, name?: string, anchor?: AnchorCounts): boolean {
  return planTrainingStep(model.config, dpoMemoryTask(config, anchor), tf.getBackend(), config.gradientCheckpointing, name).checkpointing;
}

/** What one micro-batch of the job holds, for the memory plan: pairs, and with an anchor its sequences. */
export function dpoMemoryTask(config: DpoConfig, anchor?: AnchorCounts): MemoryTask {
  if (config.anchorWeight > 0 && !anchor) throw new Error('dpo memory plan: dpo.anchorWeight > 0 needs the anchor\'s sample and pair counts');
  const anchorRows = config.anchorWeight > 0 ? config.batchSize * anchorPerPair(anchor!.samples, anchor!.pairs, config.anchorPerPair) : 0;
  return { kind: config.adapter === 'lora' ? 'lora-dpo' : 'dpo', seqLen: config.seqLen, batch: config.batchSize, anchorRows, loraTargets: config.loraTargets };
}

export async function runDpoJob(job: DpoJob): Promise<DpoJobResult> {
  const { model, config } = job;
  if (job.startReplicas && config.adapter === 'lora') throw new Error('dpo: data-parallel replicas train full weights; LoRA DPO runs in one replica');
  if (job.startReplicas && config.anchorWeight > 0) throw new Error('dpo: data-parallel replicas do not carry an SFT anchor (dpo.anchorWeight > 0); run it in one replica');
  const anchor = encodeAnchor(job);
  const { records, filtered } = selectDpoRecords(job.records, config.pairFilter, job.recordsName);
  const enc = encodePairs(records, records.map(recordMargin), job.tokenizer, config.seqLen);
  if (enc.pairs.length === 0) throw new Error(`dpo: no usable pair among ${records.length}${config.pairFilter === 'all' ? '' : ` (${pairFilterNote(config.pairFilter, filtered.kept, filtered.of)})`} (${enc.dropped} dropped)`);
  const checkpointing = planDpoStep(model, config, undefined, anchor && { samples: anchor.length, pairs: enc.pairs.length });
  const padTokenId = job.tokenizer.padTokenId;
  // Replicas start at the reference's weights and share its pass; the first step sends them the policy's.
  const refModel = job.reference ?? model;
  const replicas = job.startReplicas && await job.startReplicas(await dpoReplicaSpec(refModel, { data: enc.pairs, padTokenId, config, checkpointing }));
  try {
    const refOptions = { batchSize: config.refBatchSize, padTokenId, onProgress: job.hooks?.onReference };
    await (replicas ? computeReferenceOverReplicas(refModel, enc.pairs, replicas, refOptions) : computeReferenceLogps(refModel, enc.pairs, refOptions));
    return await trainDpoJob(job, enc, filtered, checkpointing, replicas, anchor);
  } finally {
    await replicas?.close();
  }
}

/** The training half of runDpoJob, once every pair has its reference log-probs. */
async function trainDpoJob(job: DpoJob, enc: EncodePairsReport, filtered: PairFilterCount, checkpointing: boolean, replicas: Replicas | undefined, anchor: EncodedSample[] | undefined): Promise<DpoJobResult> {
  const { model, config } = job;
  const padTokenId = job.tokenizer.padTokenId;
  let lora: LoraAdapters | undefined;
  let policy: DpoPolicy;
  if (config.adapter === 'lora') {
    lora = createLora(model, { rank: config.loraRank, alpha: config.loraAlpha, targets: config.loraTargets }, config.seed);
    if (job.resume?.adapter) restoreLora(lora, job.resume.adapter);
    const l = lora;
    policy = { params: loraParams(l), model: () => adaptedModel(model, l), checkpointing };
  } else {
    if (job.resume?.weights) restoreWeights(model, job.resume.weights);
    policy = { params: model.params, model: () => model, checkpointing };
  }
  const frozen = lora ? freeze(model) : [];
  try {
    const result = await runDpo({
      policy, data: enc.pairs, config, padTokenId, replicas, anchor,
      modelFiles: async () => (lora ? { [ADAPTER_FILE]: await serializeLora(lora), 'adapter_config.json': adapterConfig(lora) } : job.modelFiles(model)),
      hooks: job.hooks, resume: job.resume,
    });
    const final = lora ? mergeLora(model, lora) : model;
    return { model: final, result, encoded: { pairs: enc.pairs.length, truncated: enc.truncated, dropped: enc.dropped, anchor: anchor?.length, filtered } };
  } finally {
    for (const v of frozen) v.trainable = true;
    if (lora) disposeLora(lora);
  }
}

/** The anchor samples, tokenized as SFT does (assistant turns trained, cut at seqLen); none when anchorWeight is 0. */
function encodeAnchor(job: DpoJob): EncodedSample[] | undefined {
  if (!(job.config.anchorWeight > 0)) return undefined;
  if (!job.anchor?.length) throw new Error(`dpo.anchorWeight is ${job.config.anchorWeight} but no anchor samples were given (ground-truth samples, e.g. the train split)`);
  const enc = encodeSamples(job.anchor, job.tokenizer, { seqLen: job.config.seqLen, trainOn: 'assistant' });
  if (enc.samples.length === 0) throw new Error(`dpo anchor: none of the ${job.anchor.length} samples has a trained token within seqLen ${job.config.seqLen}`);
  return enc.samples;
}

/** LoRA trains adapters only; base variables are marked frozen for the run and restored after. */
function freeze(model: Model): tf.Variable[] {
  const changed = Object.values(model.params).filter((v) => v.trainable);
  for (const v of changed) v.trainable = false;
  return changed;
}

/** PEFT's adapter_config.json fields for what we train. */
function adapterConfig(lora: LoraAdapters): Uint8Array {
  const cfg = { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: lora.config.rank, lora_alpha: lora.config.alpha, target_modules: lora.config.targets, lora_dropout: 0, bias: 'none' };
  return new TextEncoder().encode(JSON.stringify(cfg, null, 2) + '\n');
}

/** Preference records, one JSON object per line (the preference module's TRL export); errors name file and line. */
export function parseDpoRecordsJsonl(text: string, fileName: string): DpoRecord[] {
  const out: DpoRecord[] = [];
  const { rows, errors } = readJsonl(text, fileName);
  throwFirstError(errors);
  for (const { line, value: v } of rows) {
    const where = `${fileName}:${line}`;
    const r = v as Partial<DpoRecord> | null;
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where}: expected a JSON object with prompt, chosen, rejected`);
    for (const f of ['prompt', 'chosen', 'rejected'] as const) {
      const msgs = r[f];
      if (!Array.isArray(msgs) || msgs.length === 0 || !msgs.every((m) => m && typeof m.role === 'string' && typeof m.content === 'string')) {
        throw new Error(`${where}: ${f} must be a non-empty list of {role, content} messages`);
      }
    }
    out.push({ ...(r as DpoRecord), tools: Array.isArray(r.tools) ? r.tools : [] });
  }
  return out;
}
