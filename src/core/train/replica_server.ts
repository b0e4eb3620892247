// The worker's side of a data-parallel replica (Node worker thread or Web Worker): starts its own tfjs backend,
// builds the replica from the spec (replica.ts) and answers the host's requests, one at a time, as replies.
// No messaging: the worker entry passes each request in and posts the reply (replica_channels.ts has the host's side).
import { initBackend } from '../runtime/backend.ts';
import { createReplica, type Replica } from './replica.ts';
import type { ReplicaReply, ReplicaRequest } from './replica_channels.ts';

/** A function answering one replica's requests; `wasmPaths` as initBackend takes them (browser). */
export function replicaServer(options: { wasmPaths?: Record<string, string> } = {}): (m: ReplicaRequest) => Promise<ReplicaReply> {
  let replica: Replica | undefined;
  return async (m) => {
    try {
      if (m.type === 'init') {
        const backend = await initBackend({ order: [m.backend], threads: m.threads, wasmPaths: options.wasmPaths });
        replica = createReplica(m.spec);
        return { type: 'ready', backend };
      }
      if (!replica) throw new Error(`${m.type} before init`);
      if (m.type === 'compute') return { type: 'share', share: await replica.compute(m.weights, m.groups, m.step) };
      if (m.type === 'references') return { type: 'references', refs: await replica.references(m.indices, m.batchSize) };
      replica.setReferences(m.refs);
      return { type: 'done' };
    } catch (err) {
      return { type: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  };
}
