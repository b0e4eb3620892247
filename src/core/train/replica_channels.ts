// Data-parallel replicas over message channels, whatever carries the messages (Node worker threads, Web Workers):
// the requests and replies, one channel per replica (one request in flight, every failure named after the
// replica) and the Replicas built on them. Creating workers and posting is the host's; the worker side is replica_server.ts.
import type { BackendName, BackendReport } from '../runtime/backend.ts';
import type { Replicas, ShareGradients } from './data_parallel.ts';
import type { PairReference } from './reference.ts';
import type { ReplicaSpec } from './replica.ts';

export type ReplicaRequest =
  | { type: 'init'; spec: ReplicaSpec; backend: BackendName; threads: number }
  | { type: 'compute'; weights: Record<string, Float32Array>; groups: number[][]; step: number }
  | { type: 'references'; indices: number[]; batchSize: number }
  | { type: 'set-references'; refs: PairReference[] };

export type ReplicaReply =
  | { type: 'ready'; backend: BackendReport }
  | { type: 'share'; share: ShareGradients }
  | { type: 'references'; refs: PairReference[] }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** How a host reaches one replica's worker. */
export interface ReplicaPort {
  post(m: ReplicaRequest): void;
  terminate(): unknown;
}

/** One replica's end of its channel: the host passes the worker's replies to `receive` and its failures to `fail`. */
export class ReplicaChannel {
  private pending?: { resolve(r: ReplicaReply): void; reject(e: Error): void };
  private failure?: Error;

  /** `worker` names what runs it in errors: "data-parallel replica 1 (web worker): ...". */
  constructor(readonly index: number, readonly worker: string, private readonly port: ReplicaPort) {}

  request(m: ReplicaRequest): Promise<ReplicaReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.port.post(m);
    });
  }

  /** The worker's reply to the request in flight. */
  receive(m: ReplicaReply): void {
    this.settle((p) => (m.type === 'error' ? p.reject(this.error(m.message)) : p.resolve(m)));
  }

  /** The worker failed or stopped: the request in flight and every later one reject with `message`. */
  fail(message: string): void {
    this.failure ??= this.error(message);
    this.settle((p) => p.reject(this.failure!));
  }

  async terminate(): Promise<void> {
    await this.port.terminate();
  }

  private error(message: string): Error {
    return new Error(`data-parallel replica ${this.index} (${this.worker}): ${message}`);
  }

  private settle(f: (p: NonNullable<ReplicaChannel['pending']>) => void): void {
    const p = this.pending;
    this.pending = undefined;
    if (p) f(p);
  }
}

export interface ChannelPoolOptions {
  backend: BackendName;
  /** wasm threads of each replica's runtime. */
  threads: number;
  /** Whether the host runtime computes a share too (Replicas.localShare); default true. */
  localShare?: boolean;
}

export interface ReplicaPool extends Replicas {
  /** What each replica's backend reported. */
  backends: BackendReport[];
  /** Stops every replica's worker. */
  close(): Promise<void>;
}

/** Sends `spec` to every channel's replica, waits until each has its backend and model, and shares steps among them. */
export async function startChannelPool(spec: ReplicaSpec, channels: ReplicaChannel[], options: ChannelPoolOptions): Promise<ReplicaPool> {
  const close = async (): Promise<void> => void (await Promise.all(channels.map((c) => c.terminate())));
  let backends: BackendReport[];
  try {
    const ready = await Promise.all(channels.map((c) => c.request({ type: 'init', spec, backend: options.backend, threads: options.threads })));
    backends = ready.map((r) => (r as Extract<ReplicaReply, { type: 'ready' }>).backend);
  } catch (err) {
    await close();
    throw err;
  }
  const n = channels.length;
  return {
    count: n,
    localShare: options.localShare ?? true,
    description: `${n} ${channels[0].worker}${n === 1 ? '' : 's'}, ${describeRuntime(backends[0])} each`,
    backends,
    compute: async (weights, groups, step) => {
      const replies = await Promise.all(channels.map((c, i) => c.request({ type: 'compute', weights, groups: groups[i], step })));
      return replies.map((r) => (r as Extract<ReplicaReply, { type: 'share' }>).share);
    },
    references: async (groups, batchSize) => {
      const replies = await Promise.all(channels.map((c, i) => c.request({ type: 'references', indices: groups[i], batchSize })));
      return replies.map((r) => (r as Extract<ReplicaReply, { type: 'references' }>).refs);
    },
    setReferences: async (refs) => void (await Promise.all(channels.map((c) => c.request({ type: 'set-references', refs })))),
    close,
  };
}

function describeRuntime(b: BackendReport): string {
  return b.backend === 'wasm' ? `wasm ${b.threads} thread${b.threads === 1 ? '' : 's'}` : b.backend;
}
