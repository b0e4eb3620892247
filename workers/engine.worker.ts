// Engine worker entry: exposes the engine API (tfjs, model, optimizer, checkpoints) to the page over comlink.
import * as Comlink from 'comlink';
import { createIdbCheckpointStore } from './checkpoint_store.ts';
import { createEngineApi } from './engine_api.ts';
import { startWebReplicas } from './replica_pool.ts';
import { withTransfers } from './transfer.ts';
import { WASM_PATHS } from './wasm_paths.ts';

const modelDir = '../models/default/'; // a variable, so Vite does not treat it as an asset import
const defaultModelUrl = new URL(modelDir, import.meta.url).href;
Comlink.expose(withTransfers(createEngineApi({ wasmPaths: WASM_PATHS, defaultModelUrl, checkpoints: createIdbCheckpointStore(), startReplicas: startWebReplicas })));
