// The engine worker's state and methods: tfjs backend, model, optimizer, running job.
// Calls core only; no postMessage or comlink here, so tests drive it directly in Node.
import { initBackend } from '../src/core/runtime/backend.ts';
import { tf } from '../src/core/runtime/tf.ts';
import type {
  BackendReport, EngineApi, EngineInitOptions, EngineStatus, MemoryReport, TrainStepsRequest, TrainStepsResult,
} from '../src/protocol.ts';
import { runTrainProbe } from './train_probe.ts';

export interface EngineApiOptions {
  /** Browser only: URLs of the tfjs wasm binaries, keyed by file name. */
  wasmPaths?: Record<string, string>;
}

export function createEngineApi(options: EngineApiOptions = {}): EngineApi {
  let backend: BackendReport | undefined;

  const requireBackend = (): BackendReport => {
    if (!backend) throw new Error('engine: call init() first');
    return backend;
  };

  return {
    async init(initOptions: EngineInitOptions = {}): Promise<BackendReport> {
      if (backend) return backend;
      backend = await initBackend({ order: initOptions.order, wasmPaths: options.wasmPaths });
      return backend;
    },

    async status(): Promise<EngineStatus> {
      return { backend: requireBackend(), memory: readMemory() };
    },

    async trainSteps(request: TrainStepsRequest): Promise<TrainStepsResult> {
      return runTrainProbe(request, requireBackend().backend);
    },
  };
}

function readMemory(): MemoryReport {
  const m = tf.memory() as { numTensors: number; numBytes: number; numBytesInGPUAllocated?: number };
  return { numTensors: m.numTensors, numBytes: m.numBytes, gpuBytes: m.numBytesInGPUAllocated };
}
