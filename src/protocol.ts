// The typed contract between the page and the two workers (engine: tfjs + model; data: datasets + scoring).
// Type-only: plain, structured-cloneable data and callbacks (comlink proxies); no runtime code, no tfjs.
// Data shapes that core already defines (Sample, ToolSchema) are re-exported as types, never imported at runtime.
import type { Sample } from './core/data/sample.ts';
import type { SamplePairs } from './core/preference/build_pairs.ts';
import type { PreferencePair } from './core/preference/pairing.ts';
import type { PairStats } from './core/preference/stats.ts';
import type { Call } from './core/data/messages.ts';
import type { BiasChoice } from './core/pipeline/call_decision.ts';
import type { HeadroomRow } from './core/pipeline/headroom_rows.ts';
import type { PassAtK } from './core/pipeline/pass_at_k.ts';
import type { BiasPoint } from './core/scoring/call_calibration.ts';
import type { EvalReport } from './core/scoring/evaluate.ts';
import type { BeforeAfterAtMisses, TurnLogps } from './core/scoring/first_miss.ts';
import type { Comparison } from './core/scoring/report.ts';
import type { ToolSchema } from './core/tools/schema.ts';

export type { BeforeAfterAtMisses, BiasChoice, BiasPoint, Call, Comparison, EvalReport, HeadroomRow, PairStats, PassAtK, PreferencePair, Sample, SamplePairs, ToolSchema, TurnLogps };

/** Stages whose config the engine resolves; 'data' is the data worker's. */
export type EngineStage = 'model' | 'sft' | 'pairs' | 'dpo' | 'evaluate';

/** The tfjs backends the engine can run on, fastest first. */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';

/** The stages of the lab, in pipeline order (the stage bar shows them left to right). */
export type StageName = 'data' | 'model' | 'sft' | 'pairs' | 'dpo' | 'evaluate' | 'export';

/** What the engine's backend choice did: the backend in use and why each earlier one was skipped. */
export interface BackendReport {
  backend: BackendName;
  skipped: { backend: BackendName; reason: string }[];
  /** WebGPU adapter as "vendor / architecture / description" (e.g. "google / swiftshader"). */
  adapterInfo?: string;
  /** Threads the backend computes on (wasm: tfjs' thread pool; cpu and webgpu: 1). */
  threads: number;
  /** Why fewer threads run than were asked for (e.g. the page is not cross-origin isolated). */
  threadsNote?: string;
}

/** tfjs memory in use in the engine worker. */
export interface MemoryReport {
  numTensors: number;
  /** Bytes held by all live tensors (all backends). */
  numBytes: number;
  /** WebGPU only: bytes of GPU buffers the backend has allocated (tf.memory().numBytesAllocatedInGPU, pool included). */
  gpuBytes?: number;
}

/** Options for EngineApi.init. */
export interface EngineInitOptions {
  /** Backends to try in order; default webgpu, wasm, cpu. The first that starts is used. */
  order?: BackendName[];
  /** wasm threads; default: the cores available (navigator.hardwareConcurrency). 1 = no thread pool. */
  threads?: number;
}

/** Where a model comes from. */
export type ModelSource =
  /** The checkpoint shipped with the app (models/default); a fresh 'default'-preset model when it is absent. */
  | { kind: 'default' }
  /**
   * Fresh seeded weights from a named preset (MODEL_PRESETS); `overrides` are ModelConfig fields
   * (e.g. max_position_embeddings). The tokenizer is the shipped default's when available.
   */
  | {
    kind: 'preset'; preset: string; seed: number; overrides?: Record<string, unknown>;
    /** Train a fresh byte-level BPE tokenizer of this vocabulary size (>= 300) instead of using the shipped one. */
    tokenizerVocab?: number;
  }
  /** A checkpoint the engine saved to browser storage earlier (see CheckpointInfo). */
  | { kind: 'checkpoint'; id: string }
  /**
   * An HF-layout folder: config.json, model.safetensors, tokenizer.json (+ tokenizer_config.json).
   * `File`s are cloned by reference (the bytes are read inside the worker, not on the page).
   */
  | { kind: 'files'; files: File[]; label?: string };

/** The model the engine holds now. */
export interface ModelInfo {
  /** Human label: "default", a preset name, or the imported folder name. */
  name: string;
  source: ModelSource['kind'];
  /** The model config as JSON (HF config.json fields). */
  config: Record<string, unknown>;
  /** Number of trainable parameters. */
  nParams: number;
  vocabSize: number;
  /** Names of the presets `{kind: 'preset'}` accepts. */
  presets: string[];
  /** Where it really came from when that is not obvious: a fallback, or the checkpoint id it was loaded from. */
  note?: string;
}

/** A snapshot of the engine for the status line: backend, memory, model. */
export interface EngineStatus {
  backend: BackendReport;
  memory: MemoryReport;
  model?: ModelInfo;
  /** The job running now, if any. */
  job?: { stage: StageName; paused: boolean };
}

/** One step's scalar metrics (loss, lr, rewards/chosen, ...), as charts plot them. */
export type MetricPoint = { step: number } & Record<string, number>;

/** Progress of a long job; sent at most every ~200 ms (plus the final one). */
export interface JobProgress {
  stage: StageName;
  /** Steps done so far, in [0, total]. */
  step: number;
  total: number;
  elapsedMs: number;
  /** Estimated time left, from the mean step time so far; absent before the first step. */
  etaMs?: number;
  /** Latest scalar metrics (loss, lr, rewards/chosen, ...), keyed by name. */
  metrics: Record<string, number>;
  /** Every metric point since the previous progress event, in step order (nothing is dropped). */
  points: MetricPoint[];
  /** Status text: what is happening now ("paused", "saving checkpoint-4", "3 pairs", ...). */
  message?: string;
}

/** Callback for progress; a comlink proxy when it crosses the worker boundary. */
export type ProgressFn = (p: JobProgress) => void;

/** Control of the running job: honoured between steps (within one step). */
export type JobAction = 'pause' | 'resume' | 'stop';

/** How a job ended. `stopped` means cancelled by the user after `step` steps. */
export type JobOutcome = 'done' | 'stopped';

/** A seeded SFT run on fixed random tokens with a fresh preset model: the same request on two backends must agree. */
export interface TrainStepsRequest {
  /** Model preset to build fresh for the run (the engine's current model is left untouched). */
  preset: string;
  /** Seed for weights and data. */
  seed: number;
  /** Optimizer steps to run (>= 1). */
  steps: number;
  /** Learning rate (> 0). */
  lr: number;
}

export interface TrainStepsResult {
  backend: BackendName;
  /** Loss of each step (mean token cross-entropy before the update, nats). */
  losses: number[];
  /** Mean wall time per step in the worker, ms. */
  stepMs: number;
}

/** A checkpoint the engine saved in browser storage (IndexedDB, written from the worker). */
export interface CheckpointInfo {
  /** Unique id: `<runId>-checkpoint-<step>` for training runs, `<runId>-model` for saved models. */
  id: string;
  /** The stage that wrote it ('model' for the model a run started from). */
  stage: StageName;
  /** Optimizer steps done when it was saved (0 for 'model'). */
  step: number;
  /** Total steps of the run it belongs to; step < total means the run can resume from it. */
  total: number;
  /** The run it belongs to (SftRequest.runId / DpoRequest.runId). */
  runId: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Sum of the files' sizes. */
  bytes: number;
  /** The model it holds (ModelInfo.name). */
  modelName: string;
}

/** A file produced for download; the buffer is transferred, not copied. */
export interface ExportFile {
  name: string;
  mime: string;
  bytes: ArrayBuffer;
}

/** Starts (or resumes) supervised fine-tuning of the engine's current model, in place. */
export interface SftRequest {
  /** Names the run; its checkpoints and history entry carry it. */
  runId: string;
  /**
   * SFT config overrides (lr, steps, batchSize, seqLen, ...); resolved and validated by the engine. `replicas` (default 1):
   * data-parallel replicas in Web Workers, one wasm thread each, sharing every batch (the summary's notes say so).
   */
  config: Record<string, unknown>;
  samples: Sample[];
  /** Checkpoint id to continue from (model, optimizer and data position restored exactly). */
  resumeFrom?: string;
}

/** How a training run ended. */
export interface TrainResultSummary {
  outcome: JobOutcome;
  /** Optimizer steps completed (counting resumed ones). */
  step: number;
  total: number;
  /** Loss of each step run in this call. */
  losses: number[];
  /** The last checkpoint saved (also at the end of the run and on stop). */
  checkpointId?: string;
  /** The resolved config the run used. */
  config: Record<string, unknown>;
  /** Human notes: samples encoded, truncated, dropped... */
  notes: string[];
  /** DPO with rounds > 1: one entry per finished round. */
  rounds?: DpoRoundResult[];
}

/** Builds token-level preference pairs with the current model. */
export interface PairsRequest {
  /** Preference config overrides plus `maxPrompts` (prompts, i.e. assistant turns pairs are built for, from the start). */
  config: Record<string, unknown>;
  /** The train samples. */
  samples: Sample[];
}

/** Pairs, their statistics, and per prompt everything the teaching view shows (tokens, branches). */
export interface PairsResult {
  pairs: PreferencePair[];
  stats: PairStats;
  /** One entry per prompt: base trajectory with per-token probabilities, divergences, branches, pairs. */
  details: SamplePairs[];
  outcome: JobOutcome;
  config: Record<string, unknown>;
}

/** Trains the current model on pairs with a DPO-family loss (the current model is the reference). */
export interface DpoRequest {
  runId: string;
  /** DPO config overrides (beta, lossType, steps, adapter, ...); `replicas` as SftRequest's (full weights only). */
  config: Record<string, unknown>;
  pairs: PreferencePair[];
  /** Checkpoint id of this run to continue from; the current model must be the run's starting model. */
  resumeFrom?: string;
  /** Needed when config.rounds > 1: where rounds 2..N draw their prompts and how they build and check pairs. */
  rounds?: DpoRoundsInput;
  /**
   * Needed when config.anchorWeight > 0: the ground-truth samples of the SFT anchor (core train/anchor.ts), the
   * samples the pairs were built from. With rounds > 1 they anchor round 1; later rounds anchor on their own prompts.
   */
  anchor?: Sample[];
}

/** What on-policy DPO rounds need besides the first round's pairs. */
export interface DpoRoundsInput {
  /** The dataset's train split; rounds 2..N draw fresh, disjoint slices from it. */
  train: Sample[];
  /** Samples the Pairs stage decoded for round 1's pairs: never drawn again. */
  usedSampleIds: string[];
  /** The validation split; every round is evaluated on its first `valSamples` samples. */
  val: Sample[];
  /** The Pairs stage's resolved config (maxPrompts + preference settings), used for every later round. */
  pairsConfig: Record<string, unknown>;
}

/** One finished DPO round: its data, its updates, and the model's validation error after it. */
export interface DpoRoundResult {
  /** 1-based. */
  round: number;
  /** Train samples whose turns were decoded for this round's pairs (round 1: the Pairs stage's). */
  sampleIds: string[];
  pairs: number;
  /** Of `pairs`, those dpo.pairFilter kept for training (absent when the round had none to filter). */
  pairsKept?: number;
  /** Optimizer steps run this round. */
  steps: number;
  /** The round's last step's loss; absent when it had no pairs to train on. */
  finalLoss?: number;
  /** 1 − exact match over the validation turns, in [0, 1]. */
  valErrorRate: number;
  valTurns: number;
  valMeanEsm: number;
}

/** Generates every assistant turn of the samples (greedy) for scoring. */
export interface PredictRequest {
  /** Evaluate config overrides (maxNewTokens, batchSize, maxSamples, seed); resolved by the engine. */
  config: Record<string, unknown>;
  samples: Sample[];
  /** Shown in progress messages ("before DPO", "after DPO"). */
  label?: string;
}

/**
 * The call-or-answer threshold chosen on validation samples (EngineApi.calibrate): the Evaluate config's
 * maxNewTokens and batchSize; every assistant turn decoded greedily, those near the threshold also the other way.
 */
export interface CalibrateRequest {
  config: Record<string, unknown>;
  /** Validation samples (never the test split: the bias is chosen on them). */
  samples: Sample[];
  /** Shown in progress messages ("before DPO", "after DPO"). */
  label?: string;
}

/**
 * pass@k of the current model (EngineApi.passAtK): the Evaluate config's passAtK samples a turn at passTemperature,
 * its maxNewTokens and seed; every assistant turn teacher-forced, as in evaluation.
 */
export interface PassAtKRequest {
  config: Record<string, unknown>;
  samples: Sample[];
  /** Shown in progress messages ("before DPO", "after DPO"). */
  label?: string;
}

/** The model's text for one assistant turn of a sample. */
export interface Prediction {
  sampleId: string;
  /** Index of the assistant message in sample.messages. */
  turn: number;
  text: string;
}

/** The live-prompt result: what the model wrote, in how many tokens and how long (DataApi.scoreText scores it). */
export interface LiveResult {
  text: string;
  tokens: number;
  ms: number;
}

/** ESM of one turn with its parts, the parsed calls and the errors found. */
export interface LiveScore {
  esm: number;
  parts: Record<'name' | 'required' | 'key' | 'type' | 'value', number>;
  predicted: Call[];
  errors: { category: string; message: string }[];
}

/** The classroom's one-step demonstration: one DPO update on one pair, on a copy of the current model. */
export interface PairProbeRequest {
  pair: PreferencePair;
  /** DPO overrides (lr, beta, lossType, rpoAlpha); steps, batch and adapter are fixed to one full step. */
  config: Record<string, unknown>;
}

/** One side of a pair under a model. */
export interface PairProbeSide {
  /** Probability of this side's token at the first position where chosen and rejected differ, in [0, 1]. */
  tokenProb: number;
  /** Summed log-probability of the whole completion (nats, <= 0). */
  logp: number;
}

export interface PairProbeResult {
  before: { chosen: PairProbeSide; rejected: PairProbeSide };
  after: { chosen: PairProbeSide; rejected: PairProbeSide };
  lr: number;
  beta: number;
  /** The DPO loss of the step (before the update). */
  loss: number;
  /** Completion token index where chosen and rejected first differ. */
  divergentToken: number;
}

/** Something the page must react to: the WebGPU device was lost (the worker must be restarted). */
export interface EngineEvent {
  type: 'device-lost';
  message: string;
}

/** The engine worker: owns tfjs, the model, the optimizer and the KV caches. */
export interface EngineApi {
  /** Picks and starts a backend; call once before anything else. */
  init(options?: EngineInitOptions): Promise<BackendReport>;
  status(): Promise<EngineStatus>;
  /** Registers a listener (a comlink proxy) for engine events such as a lost WebGPU device. */
  watch(listener: (event: EngineEvent) => void): Promise<void>;
  /**
   * Replaces the current model. `corpus` (optional) is extra text for the tokenizer a fresh preset
   * model trains; ignored for loaded checkpoints.
   */
  loadModel(source: ModelSource, corpus?: Sample[]): Promise<ModelInfo>;
  /** The full config of a stage from overrides; throws naming the bad field. */
  resolveConfig(stage: EngineStage, overrides: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Pauses, resumes or stops the running job (no-op when none runs). */
  control(action: JobAction): Promise<void>;
  /** Fine-tunes the current model in place; checkpoints go to browser storage. */
  runSft(request: SftRequest, onProgress?: ProgressFn): Promise<TrainResultSummary>;
  /**
   * Builds preference pairs (token level by default) with the current model. `onPrompt` gets each
   * prompt's details as soon as it is done (the teaching view's live feed).
   */
  runPairs(request: PairsRequest, onProgress?: ProgressFn, onPrompt?: (detail: SamplePairs) => void): Promise<PairsResult>;
  /**
   * DPO-family training of the current model in place (LoRA adapters are merged at the end). With config.rounds
   * N > 1, N on-policy rounds (request.rounds); `onRound` gets each round's result as soon as it is evaluated.
   */
  runDpo(request: DpoRequest, onProgress?: ProgressFn, onRound?: (round: DpoRoundResult) => void): Promise<TrainResultSummary>;
  /** One DPO step on one pair, on a copy of the current model: the pair's probabilities before and after. */
  probePair(request: PairProbeRequest): Promise<PairProbeResult>;
  /** Generates the assistant turns of samples with the current model. */
  predict(request: PredictRequest, onProgress?: ProgressFn): Promise<Prediction[]>;
  /**
   * Chooses the current model's bias on <tool_call> at each turn's first token (the Evaluate config's callBias) with
   * the lowest error on the given validation samples, over -4..4 nats in steps of 0.25 (the loop's calibration grid);
   * undefined when stopped.
   */
  calibrate(request: CalibrateRequest, onProgress?: ProgressFn): Promise<BiasChoice | undefined>;
  /**
   * pass@k of the current model on the samples' assistant turns (k samples a turn; a turn passes when one is exact),
   * with each turn's count of exact samples; the same figures as `ttpa eval --pass-at-k` at the same seed. Undefined
   * when stopped.
   */
  passAtK(request: PassAtKRequest, onProgress?: ProgressFn): Promise<PassAtK | undefined>;
  /**
   * Every assistant turn's ground truth teacher-forced through the current model: per token, log p(truth) and the
   * most likely other token's (one forward pass a sample); `skipped` counts the samples longer than the model's
   * positions, which are left out.
   */
  turnLogps(samples: Sample[]): Promise<{ turns: TurnLogps[]; skipped: number }>;
  /** One assistant turn for a typed prompt with the given tools (greedy). */
  complete(messages: Sample['messages'], tools: ToolSchema[], maxNewTokens: number): Promise<LiveResult>;
  /** Stores the current model as a checkpoint (id `<runId>-model`), so a reload can load it again. */
  saveModel(runId: string): Promise<CheckpointInfo>;
  /** Stored checkpoints, newest first. */
  listCheckpoints(): Promise<CheckpointInfo[]>;
  deleteCheckpoint(id: string): Promise<void>;
  /** A stored checkpoint (or the current model when no id) as a zip of the HF folder. */
  exportCheckpoint(id?: string): Promise<ExportFile>;
  /** Trains a fresh preset model on fixed random tokens for a few steps; the current model is untouched. */
  trainSteps(request: TrainStepsRequest): Promise<TrainStepsResult>;
}

/** Sample ids per split; SFT and pairs use train, Evaluate uses test. */
export interface DatasetSplits {
  train: string[];
  val: string[];
  test: string[];
}

/** Dataset formats the importer reads: our native JSONL, Hermes function-calling, Salesforce xLAM. */
export type DatasetFormat = 'native' | 'hermes' | 'xlam';

/** An imported dataset, its split, and the lines that could not be read ("file:line: reason"). */
export interface ImportResult {
  samples: Sample[];
  splits: DatasetSplits;
  errors: string[];
}

/** A generated dataset and the resolved generator config. */
export interface GenerateResult {
  samples: Sample[];
  splits: DatasetSplits;
  /** 'stopped' when cancelled: `samples` holds those finished. */
  outcome: JobOutcome;
  config: Record<string, unknown>;
}

/** The data worker: dataset generation, import/export and scoring; never loads tfjs. */
export interface DataApi {
  /** The full data-generation config from overrides; throws naming the bad field. */
  resolveConfig(overrides: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Pauses, resumes or stops the running generation (no-op when none runs). */
  control(action: JobAction): Promise<void>;
  /** Reversed construction: n samples from the seeded grammar and the real tools. */
  generate(config: Record<string, unknown>, onProgress?: ProgressFn): Promise<GenerateResult>;
  /** Scores predictions turn by turn (ESM, exact match, error categories per category and domain). */
  evaluate(samples: Sample[], predictions: Prediction[]): Promise<EvalReport>;
  /** A before/after table of several reports (first = before, last = after). */
  compare(named: { name: string; report: EvalReport }[]): Promise<Comparison>;
  /** The after model at the before model's first wrong tokens of the call turns (EngineApi.turnLogps of each). */
  compareTokens(before: TurnLogps[], after: TurnLogps[]): Promise<BeforeAfterAtMisses>;
  /** A report as Markdown (the Export stage's report). */
  reportMarkdown(report: EvalReport): Promise<string>;
  /** Scores one generated turn against expected calls (empty = no call due). */
  scoreText(text: string, expected: Call[], tools: ToolSchema[]): Promise<LiveScore>;
  /** Pairs as TRL conversational preference JSONL, with the problems TRL's checks would find (empty = valid). */
  exportPairs(pairs: PreferencePair[]): Promise<{ jsonl: string; problems: string[] }>;
  /**
   * Reads a JSONL dataset in one of the supported formats; bad lines are reported, not fatal
   * (throws only when no sample could be read). Splits it without leakage (default 5% val, 10% test).
   */
  importDataset(text: string, format: DatasetFormat, fileName: string, split?: { val: number; test: number }): Promise<ImportResult>;
  /** JSONL: native samples, TRL conversational rows (messages + tools), or rendered text rows. */
  exportDataset(samples: Sample[], format?: 'native' | 'trl' | 'text'): Promise<string>;
}
