// A data-parallel replica in a Node worker thread: starts its own tfjs backend, builds the replica from the
// spec (core's replica.ts) and answers its requests one at a time. Messages only; the arithmetic is core's.
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../core/runtime/backend.ts';
import { createReplica, type Replica } from '../core/train/replica.ts';
import type { ReplicaReply, ReplicaRequest } from './replica_pool.ts';

let replica: Replica | undefined;
const port = parentPort!;
const reply = (m: ReplicaReply): void => port.postMessage(m);

port.on('message', async (m: ReplicaRequest) => {
  try {
    if (m.type === 'init') {
      const backend = await initBackend({ order: [m.backend], threads: m.threads });
      replica = createReplica(m.spec);
      reply({ type: 'ready', backend });
    } else {
      if (!replica) throw new Error(`${m.type} before init`);
      if (m.type === 'compute') reply({ type: 'share', share: await replica.compute(m.weights, m.groups) });
      else if (m.type === 'references') reply({ type: 'references', refs: await replica.references(m.indices, m.batchSize) });
      else {
        replica.setReferences(m.refs);
        reply({ type: 'done' });
      }
    }
  } catch (err) {
    reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
