// Real-model scale: a random-weight HF checkpoint with a published config (real_configs.ts) written in
// memory, then load time, memory, decoding tokens/s with the KV cache and a LoRA DPO step at 256 tokens.
// Each task is planned first (runtime/memory_plan.ts); one that cannot fit is refused, with the reason.
import { configFromHF, type ModelConfig } from '../model/config.ts';
import { releaseFrozen } from '../model/matmul.ts';
import { createModel, disposeModel, type Model } from '../model/params.ts';
import { generate } from '../model/sampling.ts';
import { loadModelWeights } from '../runtime/checkpoint.ts';
import { memorySource } from '../runtime/file_source.ts';
import { MemoryPlanError, planMemory, refuseIfTooLarge, type MemoryTask } from '../runtime/memory_plan.ts';
import { serializeSafetensors } from '../runtime/safetensors.ts';
import { tf } from '../runtime/tf.ts';
import { commonPrefix, type EncodedPair } from '../train/dpo_data.ts';
import { resolveDpoConfig } from '../train/dpo_config.ts';
import { runDpo } from '../train/dpo.ts';
import { adaptedModel, createLora, disposeLora, loraParams } from '../train/lora.ts';
import { computeReferenceLogps } from '../train/reference.ts';
import type { BenchConfig } from './config.ts';
import { randomTokens } from './models.ts';
import { REAL_CONFIGS } from './real_configs.ts';
import { sig, timeMs } from './timing.ts';

/** A published config to measure; `overrides` shrink it for the quick run (then it is a shape, not the model). */
export interface ScaleModel {
  name: string;
  config: keyof typeof REAL_CONFIGS;
  overrides?: Partial<Record<string, number>>;
}

export interface ScaleFigures {
  model: string;
  params: number;
  /** What each task was planned to need (GiB) and whether it was run. */
  plans: { task: MemoryTask['kind']; seqLen: number; estimateGiB: number; fits: boolean }[];
  /** The refusal messages of the tasks that could not fit. */
  refused: string[];
  checkpointMB?: number;
  loadMs?: number;
  /** Bytes held by tensors after loading, and the most held at once over this model's tasks (tf.memory, sampled). */
  tensorBytesAfterLoad?: number;
  peakTensorBytes?: number;
  /** wasm only: the heap's size after decoding and at the end (it only grows: the process's peak so far). */
  wasmHeapBytesAfterDecode?: number;
  wasmHeapBytes?: number;
  forward?: { promptLen: number; newTokens: number; tokensPerSec: number };
  /** The step's layers recomputed in the backward pass when the plan needs it (dpo.gradientCheckpointing 'auto'). */
  loraDpo?: { seqLen: number; pairs: number; checkpointing: boolean; referenceMs: number; stepMs: number };
}

const GIB = 2 ** 30;

function wasmHeapBytes(): number | undefined {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.length;
}

/** The published config.json (with the quick run's overrides) and its random weights as HF files. */
export function randomCheckpointFiles(m: ScaleModel, seed: number): { files: Record<string, Uint8Array>; config: ModelConfig } {
  const json = { ...REAL_CONFIGS[m.config], ...m.overrides };
  const config = configFromHF(json);
  const model = createModel(config, seed);
  try {
    const tensors = Object.fromEntries(Object.entries(model.params).map(([n, v]) => [n, { data: v.dataSync() as Float32Array, shape: v.shape }]));
    const files = { 'config.json': new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n'), 'model.safetensors': serializeSafetensors(tensors) };
    return { files, config };
  } finally {
    disposeModel(model);
  }
}

function dpoPairs(vocab: number, seqLen: number, n: number): EncodedPair[] {
  const completion = seqLen >> 2;
  const prompts = randomTokens(vocab, n, seqLen - completion, 11);
  const [chosen, rejected] = [randomTokens(vocab, n, completion, 12), randomTokens(vocab, n, completion, 13)];
  return prompts.map((prompt, i) => ({ prompt, chosen: chosen[i], rejected: rejected[i], sharedPrefix: commonPrefix(chosen[i], rejected[i]), scoreMargin: 0.5 }));
}

export async function loraDpoStep(model: Model, seqLen: number, pairs: number, checkpointing: boolean): Promise<NonNullable<ScaleFigures['loraDpo']>> {
  const data = dpoPairs(model.config.vocab_size, seqLen, 2 * pairs);
  // The reference pass caches a transposed copy of every weight (and XNNPACK its packed copy of each);
  // the LoRA step (llama/qwen2) runs its frozen base on the same copies (matmul.ts linear).
  const referenceMs = await timeMs(() => computeReferenceLogps(model, data, { batchSize: pairs, padTokenId: 0 }));
  const config = resolveDpoConfig({ steps: 2, batchSize: pairs, seqLen, warmupSteps: 0, checkpointEvery: 0, adapter: 'lora' });
  const lora = createLora(model, { rank: config.loraRank, alpha: config.loraAlpha, targets: config.loraTargets }, 0);
  const frozen = Object.values(model.params).filter((v) => v.trainable);
  frozen.forEach((v) => { v.trainable = false; });
  const stepMs: number[] = [];
  try {
    await runDpo({
      policy: { params: loraParams(lora), model: () => adaptedModel(model, lora), checkpointing }, data, config, padTokenId: 0, modelFiles: async () => ({}),
      hooks: { onStep: (s) => { if (s.step > 1) stepMs.push(s.step_ms); } },
    });
  } finally {
    frozen.forEach((v) => { v.trainable = true; });
    disposeLora(lora);
  }
  return { seqLen, pairs, checkpointing, referenceMs: sig(referenceMs), stepMs: sig(stepMs[0]) };
}

/** Plans, then runs what fits: load, decoding (KV cache), a LoRA DPO step. */
export async function benchScaleModel(m: ScaleModel, cfg: BenchConfig): Promise<ScaleFigures> {
  const backend = tf.getBackend();
  const config = configFromHF({ ...REAL_CONFIGS[m.config], ...m.overrides });
  const T = cfg.scaleSeqLen;
  const dpoAt = (seqLen: number): MemoryTask => {
    const task: MemoryTask = { kind: 'lora-dpo', seqLen, batch: 1 };
    return { ...task, checkpointing: !planMemory(config, task, backend).fits }; // dpo.gradientCheckpointing 'auto'
  };
  const tasks: MemoryTask[] = [{ kind: 'load', seqLen: 0, batch: 1 }, { kind: 'forward', seqLen: cfg.scalePromptLen + cfg.scaleNewTokens, batch: 1 }, dpoAt(T)];
  const out: ScaleFigures = { model: m.name, params: 0, plans: [], refused: [] };
  const fits = tasks.map((task) => {
    try {
      const plan = refuseIfTooLarge(config, task, backend, m.name);
      out.params = plan.params;
      out.plans.push({ task: task.kind, seqLen: task.seqLen, estimateGiB: sig(plan.totalBytes / GIB, 3), fits: true });
      return true;
    } catch (err) {
      if (!(err instanceof MemoryPlanError)) throw err;
      out.params = err.plan.params;
      out.plans.push({ task: task.kind, seqLen: task.seqLen, estimateGiB: sig(err.plan.totalBytes / GIB, 3), fits: false });
      out.refused.push(err.message);
      return false;
    }
  });
  if (!fits[0]) return out;
  let peak = 0;
  const sample = (): void => { peak = Math.max(peak, tf.memory().numBytes); };
  let { files } = randomCheckpointFiles(m, 1);
  out.checkpointMB = sig(files['model.safetensors'].length / 1e6);
  let model: Model | undefined;
  out.loadMs = sig(await timeMs(async () => { model = await loadModelWeights(memorySource(m.name, files)); }));
  files = {};
  try {
    out.tensorBytesAfterLoad = tf.memory().numBytes;
    sample();
    if (fits[1]) {
      const [prompt] = randomTokens(config.vocab_size, 1, cfg.scalePromptLen, 3);
      await generate(model!, prompt, { maxNewTokens: 2, temperature: 0, seed: 0, kvCache: true });
      const ms = await timeMs(() => generate(model!, prompt, { maxNewTokens: cfg.scaleNewTokens, temperature: 0, seed: 0, kvCache: true }));
      out.forward = { promptLen: prompt.length, newTokens: cfg.scaleNewTokens, tokensPerSec: sig(cfg.scaleNewTokens / (ms / 1000)) };
      sample();
      out.wasmHeapBytesAfterDecode = wasmHeapBytes();
      releaseFrozen(Object.values(model!.params));
    }
    // Refused at T: the step at the longest length the plan allows, so there is a figure to compare.
    let dpoLen = T;
    while (!fits[2] && dpoLen >= 32 && !planMemory(config, dpoAt(dpoLen), backend).fits) dpoLen >>= 1;
    if (planMemory(config, dpoAt(dpoLen), backend).fits) {
      out.loraDpo = await loraDpoStep(model!, dpoLen, 1, dpoAt(dpoLen).checkpointing!);
      sample();
    }
  } finally {
    if (model) disposeModel(model);
  }
  out.peakTensorBytes = peak;
  out.wasmHeapBytes = wasmHeapBytes();
  return out;
}

export async function benchScale(cfg: BenchConfig): Promise<ScaleFigures[]> {
  const out: ScaleFigures[] = [];
  for (const m of cfg.scaleModels) out.push(await benchScaleModel(m, cfg));
  return out;
}
