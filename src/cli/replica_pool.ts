// Data-parallel replicas as Node worker threads (bin/replica_worker.mjs -> replica_worker.ts): each its own
// tfjs runtime holding a copy of the model, sent the spec once and, before each step, the trainable weights.
// Starting and stopping the threads only; the messages and the pool are core's replica_channels.ts.
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../core/runtime/backend.ts';
import { ReplicaChannel, startChannelPool, type ReplicaPool, type ReplicaReply } from '../core/train/replica_channels.ts';
import type { ReplicaSpec } from '../core/train/replica.ts';

export type { ReplicaPool } from '../core/train/replica_channels.ts';

const ENTRY = new URL('../../bin/replica_worker.mjs', import.meta.url);

export interface ReplicaPoolOptions {
  /** Worker threads to start (the data-parallel replicas besides the main thread). */
  workers: number;
  backend: BackendName;
  /** wasm threads of each worker's runtime. */
  threads: number;
  /** Whether the main thread computes a share too (Replicas.localShare); default true. */
  localShare?: boolean;
}

/** One worker thread and its channel. */
function threadChannel(index: number): ReplicaChannel {
  const worker = new Worker(ENTRY);
  const channel = new ReplicaChannel(index, 'worker thread', { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() });
  worker.on('message', (m: ReplicaReply) => channel.receive(m));
  worker.on('error', (e) => channel.fail(e.message));
  worker.on('exit', (code) => channel.fail(`its worker thread exited (code ${code})`));
  return channel;
}

/** Starts `options.workers` replicas of `spec` and waits until each has its backend and model. */
export function startReplicaPool(spec: ReplicaSpec, options: ReplicaPoolOptions): Promise<ReplicaPool> {
  const channels = Array.from({ length: options.workers }, (_, i) => threadChannel(i + 1));
  return startChannelPool(spec, channels, options);
}
