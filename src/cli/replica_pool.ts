// Data-parallel replicas as Node worker threads (bin/replica_worker.mjs -> replica_worker.ts): each its own
// tfjs runtime holding a copy of the model, sent the spec once and, before each step, the trainable weights.
// Starting, messaging and stopping only; which items each computes and how shares add up is core's data_parallel.ts.
import { Worker } from 'node:worker_threads';
import type { BackendName, BackendReport } from '../core/runtime/backend.ts';
import type { Replicas, ShareGradients } from '../core/train/data_parallel.ts';
import type { ReplicaSpec } from '../core/train/replica.ts';
import type { PairReference } from '../core/train/reference.ts';

const ENTRY = new URL('../../bin/replica_worker.mjs', import.meta.url);

export type ReplicaRequest =
  | { type: 'init'; spec: ReplicaSpec; backend: BackendName; threads: number }
  | { type: 'compute'; weights: Record<string, Float32Array>; groups: number[][] }
  | { type: 'references'; indices: number[]; batchSize: number }
  | { type: 'set-references'; refs: PairReference[] };

export type ReplicaReply =
  | { type: 'ready'; backend: BackendReport }
  | { type: 'share'; share: ShareGradients }
  | { type: 'references'; refs: PairReference[] }
  | { type: 'done' }
  | { type: 'error'; message: string };

export interface ReplicaPoolOptions {
  /** Worker threads to start (the data-parallel replicas besides the main thread). */
  workers: number;
  backend: BackendName;
  /** wasm threads of each worker's runtime. */
  threads: number;
  /** Whether the main thread computes a share too (Replicas.localShare); default true. */
  localShare?: boolean;
}

export interface ReplicaPool extends Replicas {
  /** What each worker's backend reported. */
  backends: BackendReport[];
  /** Stops every worker. */
  close(): Promise<void>;
}

/** One worker and the reply it is waiting for (at most one request is in flight per worker). */
class ReplicaWorker {
  private pending?: { resolve(r: ReplicaReply): void; reject(e: Error): void };
  private failure?: Error;
  readonly worker: Worker;

  constructor(readonly index: number) {
    this.worker = new Worker(ENTRY);
    this.worker.on('message', (m: ReplicaReply) => this.settle((p) => (m.type === 'error' ? p.reject(this.error(m.message)) : p.resolve(m))));
    this.worker.on('error', (e) => this.fail(this.error(e.message)));
    this.worker.on('exit', (code) => this.fail(this.error(`its worker thread exited (code ${code})`)));
  }

  request(m: ReplicaRequest): Promise<ReplicaReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(m);
    });
  }

  private error(message: string): Error {
    return new Error(`data-parallel replica ${this.index} (worker thread): ${message}`);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.settle((p) => p.reject(e));
  }

  private settle(f: (p: NonNullable<ReplicaWorker['pending']>) => void): void {
    const p = this.pending;
    this.pending = undefined;
    if (p) f(p);
  }
}

/** Starts `options.workers` replicas of `spec` and waits until each has its backend and model. */
export async function startReplicaPool(spec: ReplicaSpec, options: ReplicaPoolOptions): Promise<ReplicaPool> {
  const workers = Array.from({ length: options.workers }, (_, i) => new ReplicaWorker(i + 1));
  const close = async (): Promise<void> => void (await Promise.all(workers.map((w) => w.worker.terminate())));
  let backends: BackendReport[];
  try {
    const ready = await Promise.all(workers.map((w) => w.request({ type: 'init', spec, backend: options.backend, threads: options.threads })));
    backends = ready.map((r) => (r as Extract<ReplicaReply, { type: 'ready' }>).backend);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    count: workers.length,
    localShare: options.localShare ?? true,
    description: `${workers.length} worker thread${workers.length === 1 ? '' : 's'}, ${describeRuntime(backends[0])} each`,
    backends,
    compute: async (weights, groups) => {
      const replies = await Promise.all(workers.map((w, i) => w.request({ type: 'compute', weights, groups: groups[i] })));
      return replies.map((r) => (r as Extract<ReplicaReply, { type: 'share' }>).share);
    },
    references: async (groups, batchSize) => {
      const replies = await Promise.all(workers.map((w, i) => w.request({ type: 'references', indices: groups[i], batchSize })));
      return replies.map((r) => (r as Extract<ReplicaReply, { type: 'references' }>).refs);
    },
    setReferences: async (refs) => void (await Promise.all(workers.map((w) => w.request({ type: 'set-references', refs })))),
    close,
  };
}

function describeRuntime(b: BackendReport): string {
  return b.backend === 'wasm' ? `wasm ${b.threads} thread${b.threads === 1 ? '' : 's'}` : b.backend;
}
