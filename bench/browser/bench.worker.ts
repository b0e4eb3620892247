// Bench worker entry: exposes the bench API over comlink.
import * as Comlink from 'comlink';
import { createBenchApi } from './bench_api.ts';
import { WASM_PATHS } from '../../workers/wasm_paths.ts';

Comlink.expose(createBenchApi(WASM_PATHS));
