// The engine worker's state and methods: tfjs backend, the current model session, the running job,
// the checkpoint store. Calls core only; no postMessage or comlink here, so tests drive it in Node.
import { zipSync } from 'fflate';
import { initBackend } from '../src/core/runtime/backend.ts';
import { tf } from '../src/core/runtime/tf.ts';
import type {
  BackendReport, CheckpointInfo, EngineApi, EngineEvent, EngineInitOptions, EngineStage, EngineStatus, ExportFile, JobAction,
  DpoRequest, DpoRoundResult, LiveResult, PairProbeRequest, PairProbeResult, MemoryReport, ModelInfo, ModelSource, PairsRequest, PairsResult, PredictRequest, Prediction, ProgressFn,
  Sample, SamplePairs, SftRequest, StageName, ToolSchema, TrainResultSummary, TurnLogps,
} from '../src/protocol.ts';
import { softwareAdapter } from './adapter_probe.ts';
import { createMemoryCheckpointStore, type CheckpointStore } from './checkpoint_store.ts';
import { createJob, type Job } from './job.ts';
import { disposeSession, loadSession, sessionFiles, type Session } from './model_session.ts';
import { dpoJob } from './dpo_job.ts';
import { loopJob } from './loop_job.ts';
import { probePairUpdate } from './dpo_probe.ts';
import { pairsJob } from './pairs_job.ts';
import { calibrateJob } from './calibrate_job.ts';
import { passAtKJob } from './pass_at_k_job.ts';
import { completeTurn, predictJob } from './predict_job.ts';
import { turnLogps } from '../src/core/model/turn_logps.ts';
import { sftJob } from './sft_job.ts';
import { resolveStageConfig, splitDpoConfig } from './stage_config.ts';
import { runTrainProbe } from './train_probe.ts';
import { runReplicas, type RunReplicas, type StartReplicaWorkers } from './train_run.ts';

export interface EngineApiOptions {
  /** Browser only: URLs of the tfjs wasm binaries, keyed by file name. */
  wasmPaths?: Record<string, string>;
  /** URL of the shipped model folder (models/default/), ending in '/'. */
  defaultModelUrl?: string;
  /** Where checkpoints go; IndexedDB in the worker, memory by default. */
  checkpoints?: CheckpointStore;
  /** Minimum ms between progress events. */
  progressMs?: number;
  /** Starts data-parallel replica workers for runs whose config asks for replicas > 1 (browser: workers/replica_pool.ts). */
  startReplicas?: StartReplicaWorkers;
}

export function createEngineApi(options: EngineApiOptions = {}): EngineApi {
  const store = options.checkpoints ?? createMemoryCheckpointStore();
  let backend: BackendReport | undefined;
  let session: Session | undefined;
  let job: Job | undefined;

  const requireBackend = (): BackendReport => {
    if (!backend) throw new Error('engine: call init() first');
    return backend;
  };
  const requireSession = (): Session => {
    if (!session) throw new Error('engine: no model loaded (loadModel first)');
    return session;
  };
  const replicasFor = (count: number): RunReplicas => runReplicas(count, options.startReplicas, requireBackend().backend);
  /** Runs one job at a time; the job gets throttled progress and pause/stop control. */
  const runJob = async <T>(stage: StageName, total: number, onProgress: ProgressFn | undefined, body: (job: Job) => Promise<T>): Promise<T> => {
    requireBackend();
    if (job) throw new Error(`engine: a ${job.stage} job is already running`);
    job = createJob(stage, total, onProgress, options.progressMs);
    try {
      return await body(job);
    } finally {
      job.flush();
      job = undefined;
    }
  };

  return {
    async init(initOptions: EngineInitOptions = {}): Promise<BackendReport> {
      if (backend) return backend;
      // Automatic choice only: a forced order (?backend=webgpu) is honoured even on an emulator.
      const software = initOptions.order ? undefined : await softwareAdapter();
      const order = software ? (['wasm', 'cpu'] as const).slice() : initOptions.order;
      backend = await initBackend({ order, threads: initOptions.threads, wasmPaths: options.wasmPaths });
      if (software) {
        backend.skipped.unshift({
          backend: 'webgpu',
          reason: `the WebGPU adapter is a software emulator (${software}), about 30x slower than wasm here; choose webgpu under Model > Backend (or add ?backend=webgpu) to use it anyway`,
        });
      }
      return backend;
    },

    async watch(listener: (event: EngineEvent) => void): Promise<void> {
      watchDevice(listener);
    },

    async status(): Promise<EngineStatus> {
      return {
        backend: requireBackend(), memory: readMemory(), model: session?.info,
        job: job ? { stage: job.stage, paused: job.paused } : undefined,
      };
    },

    async loadModel(source: ModelSource, corpus?: Sample[]): Promise<ModelInfo> {
      requireBackend();
      if (job) throw new Error(`engine: cannot change the model while a ${job.stage} job runs`);
      const next = await loadSession(source, {
        defaultModelUrl: options.defaultModelUrl, readCheckpoint: (id) => store.get(id), corpusSamples: corpus,
      });
      if (source.kind === 'checkpoint') {
        const ck = (await store.list()).find((c) => c.id === source.id);
        if (ck) next.info = { ...next.info, name: ck.modelName, note: `checkpoint ${ck.id} (${ck.stage}${ck.step ? ` step ${ck.step}` : ''})` };
      }
      if (session) disposeSession(session);
      session = next;
      return session.info;
    },

    async resolveConfig(stage: EngineStage, overrides: Record<string, unknown>): Promise<Record<string, unknown>> {
      return resolveStageConfig(stage, overrides);
    },

    async control(action: JobAction): Promise<void> {
      if (!job) return;
      if (action === 'pause') job.pause();
      else if (action === 'resume') job.resume();
      else job.stop();
    },

    async runSft(request: SftRequest, onProgress?: ProgressFn): Promise<TrainResultSummary> {
      return runJob('sft', 0, onProgress, (j) => sftJob(requireSession(), request, j, store, replicasFor));
    },

    async runPairs(request: PairsRequest, onProgress?: ProgressFn, onPrompt?: (detail: SamplePairs) => void): Promise<PairsResult> {
      return runJob('pairs', 0, onProgress, (j) => pairsJob(requireSession(), request, j, onPrompt));
    },

    async runDpo(request: DpoRequest, onProgress?: ProgressFn, onRound?: (round: DpoRoundResult) => void): Promise<TrainResultSummary> {
      const rounds = splitDpoConfig(request.config).rounds;
      return runJob('dpo', 0, onProgress, (j) => (rounds > 1 ? loopJob(requireSession(), request, j, store, replicasFor, onRound) : dpoJob(requireSession(), request, j, store, replicasFor)));
    },

    async probePair(request: PairProbeRequest): Promise<PairProbeResult> {
      return runJob('dpo', 1, undefined, () => probePairUpdate(requireSession(), request));
    },

    async predict(request: PredictRequest, onProgress?: ProgressFn): Promise<Prediction[]> {
      return runJob('evaluate', 0, onProgress, (j) => predictJob(requireSession(), request, j));
    },

    async calibrate(request, onProgress) {
      return runJob('evaluate', 0, onProgress, (j) => calibrateJob(requireSession(), request, j));
    },

    async passAtK(request, onProgress) {
      return runJob('evaluate', 0, onProgress, (j) => passAtKJob(requireSession(), request, j));
    },

    async turnLogps(samples: Sample[]): Promise<{ turns: TurnLogps[]; skipped: number }> {
      return runJob('evaluate', 0, undefined, () => {
        const { model, tokenizer } = requireSession();
        return turnLogps(model, tokenizer, samples);
      });
    },

    async complete(messages: Sample['messages'], tools: ToolSchema[], maxNewTokens: number): Promise<LiveResult> {
      if (job) throw new Error(`engine: busy with a ${job.stage} job`);
      const t0 = performance.now();
      const r = await completeTurn(requireSession(), messages, tools, { maxNewTokens, seed: 0 });
      return { ...r, ms: performance.now() - t0 };
    },

    async saveModel(runId: string): Promise<CheckpointInfo> {
      const current = requireSession();
      const files = await sessionFiles(current);
      const info: CheckpointInfo = {
        id: `${runId}-model`, stage: 'model', step: 0, total: 0, runId, createdAt: Date.now(),
        bytes: Object.values(files).reduce((n, f) => n + f.byteLength, 0), modelName: current.info.name,
      };
      await store.put(info, files);
      return info;
    },

    async listCheckpoints(): Promise<CheckpointInfo[]> {
      return store.list();
    },

    async deleteCheckpoint(id: string): Promise<void> {
      await store.delete(id);
    },

    async exportCheckpoint(id?: string): Promise<ExportFile> {
      const files = id ? await store.get(id) : await sessionFiles(requireSession());
      const zipped = zipSync(files, { level: 6 });
      const name = `${(id ?? `ttpa-${requireSession().info.name}`).replace(/[^\w.-]+/g, '_')}.zip`;
      return { name, mime: 'application/zip', bytes: zipped.slice().buffer as ArrayBuffer };
    },

    async trainSteps(request) {
      return runTrainProbe(request, requireBackend().backend);
    },
  };
}

/** WebGPU only: reports a lost device (driver reset, GPU removed) so the page can restart the worker. */
function watchDevice(listener: (event: EngineEvent) => void): void {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string; reason?: string }> } }).device;
  void device?.lost?.then((info) => listener({ type: 'device-lost', message: info.message || info.reason || 'the WebGPU device was lost' }));
}

function readMemory(): MemoryReport {
  // The webgpu backend adds numBytesAllocatedInGPU (its buffer pool included); others have neither.
  const m = tf.memory() as { numTensors: number; numBytes: number; numBytesAllocatedInGPU?: number };
  return { numTensors: m.numTensors, numBytes: m.numBytes, gpuBytes: m.numBytesAllocatedInGPU };
}
