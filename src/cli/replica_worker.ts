// A data-parallel replica in a Node worker thread: passes each request to core's replica server and posts its reply.
import { parentPort } from 'node:worker_threads';
import { replicaServer } from '../core/train/replica_server.ts';
import type { ReplicaRequest } from '../core/train/replica_channels.ts';

const answer = replicaServer();
const port = parentPort!;
port.on('message', async (m: ReplicaRequest) => port.postMessage(await answer(m)));
