// The typed contract between the page and the two workers (engine: tfjs + model; data: datasets + scoring).
// Type-only: plain, structured-cloneable data and callbacks (comlink proxies); no runtime code, no tfjs.
// Data shapes that core already defines (Sample, ToolSchema) are re-exported as types, never imported at runtime.
import type { Sample } from './core/data/sample.ts';
import type { ToolSchema } from './core/tools/schema.ts';

export type { Sample, ToolSchema };

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
}

/** tfjs memory in use in the engine worker. */
export interface MemoryReport {
  numTensors: number;
  /** Bytes held by all live tensors (all backends). */
  numBytes: number;
  /** WebGPU only: bytes of GPU buffers allocated by the backend (including its pool). */
  gpuBytes?: number;
}

/** Options for EngineApi.init. */
export interface EngineInitOptions {
  /** Backends to try in order; default webgpu, wasm, cpu. The first that starts is used. */
  order?: BackendName[];
}

/** Where a model comes from. */
export type ModelSource =
  /** The checkpoint shipped with the app (models/default); a fresh tiny model when it is absent. */
  | { kind: 'default' }
  /** A freshly initialised model from a named preset, seeded. */
  | { kind: 'preset'; preset: string; seed: number }
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
  /** Set when the requested source could not be used and something else was loaded instead. */
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
  /** Status text: what is happening now ("paused", "sampling 3/8", ...). */
  message?: string;
}

/** Callback for progress; a comlink proxy when it crosses the worker boundary. */
export type ProgressFn = (p: JobProgress) => void;

/** How a job ended. `stopped` means cancelled by the user after `step` steps. */
export type JobOutcome = 'done' | 'stopped';

/** A run of the SFT loss on a deterministic tiny batch, used to compare backends bit-for-bit-ish. */
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

/** A checkpoint as named files (HF layout); the buffers are transferred, not copied. */
export interface CheckpointFiles {
  files: { name: string; bytes: ArrayBuffer }[];
}

/** The engine worker: owns tfjs, the model, the optimizer and the KV caches. */
export interface EngineApi {
  /** Picks and starts a backend; call once before anything else. */
  init(options?: EngineInitOptions): Promise<BackendReport>;
  status(): Promise<EngineStatus>;
  /** Trains a fresh preset model on fixed random tokens for a few steps; the current model is untouched. */
  trainSteps(request: TrainStepsRequest): Promise<TrainStepsResult>;
}

/** The data worker: dataset generation, import/export and scoring; never loads tfjs. */
export interface DataApi {
  /** Parses JSONL (one native Sample per line); throws naming the bad line. */
  importDataset(text: string): Promise<Sample[]>;
  /** One native Sample per line. */
  exportDataset(samples: Sample[]): Promise<string>;
}
