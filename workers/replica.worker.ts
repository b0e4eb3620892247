// Data-parallel replica worker entry (workers/replica_pool.ts starts it): core's replica server on its own wasm runtime.
import { replicaServer } from '../src/core/train/replica_server.ts';
import type { ReplicaRequest } from '../src/core/train/replica_channels.ts';
import { WASM_PATHS } from './wasm_paths.ts';

const answer = replicaServer({ wasmPaths: WASM_PATHS });
self.onmessage = async (e: MessageEvent<ReplicaRequest>) => self.postMessage(await answer(e.data));
