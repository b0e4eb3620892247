// Test-runner setup: vitest runs two forks on this 2-core machine, so wasm defaults to one thread per fork
// (two threads each would oversubscribe the cores). Tests of threads ask for their count explicitly.
import { setDefaultWasmThreads } from '../src/core/runtime/wasm_threads.ts';

setDefaultWasmThreads(1);
