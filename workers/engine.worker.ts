// Engine worker entry: exposes the engine API (tfjs, model, optimizer) to the page over comlink.
import * as Comlink from 'comlink';
import { createEngineApi } from './engine_api.ts';
import { WASM_PATHS } from './wasm_paths.ts';

Comlink.expose(createEngineApi({ wasmPaths: WASM_PATHS }));
