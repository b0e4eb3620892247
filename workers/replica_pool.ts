// Data-parallel replicas as Web Workers (replica.worker.ts), started from the engine or bench worker: each a module
// worker with its own tfjs runtime (wasm, one thread) and a copy of the model. Starting and stopping the workers
// only; the messages and the pool are core's replica_channels.ts, the arithmetic core's data_parallel.ts.
import type { BackendName } from '../src/core/runtime/backend.ts';
import { ReplicaChannel, startChannelPool, type ReplicaPool } from '../src/core/train/replica_channels.ts';
import type { ReplicaSpec } from '../src/core/train/replica.ts';

export interface WebReplicaOptions {
  /** Web Workers to start. */
  workers: number;
  /** Each worker's backend: wasm or cpu (one GPU shared by replicas would gain nothing). */
  backend: BackendName;
  /** Whether the starting worker computes a share too (Replicas.localShare); default true. */
  localShare?: boolean;
}

function webChannel(index: number): ReplicaChannel {
  const worker = new Worker(new URL('./replica.worker.ts', import.meta.url), { type: 'module', name: `replica ${index}` });
  const channel = new ReplicaChannel(index, 'web worker', {
    post: (m) => worker.postMessage(m),
    terminate: () => {
      worker.terminate();
      channel.fail('its web worker was stopped');
    },
  });
  worker.onmessage = (e) => channel.receive(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    channel.fail(e.message || 'its web worker failed to load or crashed');
  };
  worker.onmessageerror = () => channel.fail('a reply could not be read (structured clone failed)');
  return channel;
}

/** Starts `options.workers` replicas of `spec`, one wasm thread each, and waits until each has its backend and model. */
export async function startWebReplicas(spec: ReplicaSpec, options: WebReplicaOptions): Promise<ReplicaPool> {
  if (options.backend === 'webgpu') throw new Error('data-parallel replicas run on wasm (one thread each); this engine runs webgpu, where replicas would share one GPU');
  if (typeof Worker === 'undefined') throw new Error('data-parallel replicas start Web Workers from this worker, and this browser offers no Worker inside a worker: set replicas to 1');
  const channels = Array.from({ length: options.workers }, (_, i) => webChannel(i + 1));
  return startChannelPool(spec, channels, { backend: options.backend, threads: 1, localShare: options.localShare });
}
