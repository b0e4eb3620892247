// Test-runner setup: vitest runs two forks on this 2-core machine, so wasm defaults to one thread per fork,
// and TTPA_THREADS=1 gives the same default to every `ttpa` process a test spawns (they inherit the
// environment). Two threads per process would oversubscribe the cores, and XNNPACK's pool threads
// spin-wait for a core: tiny-model steps then run 3-7x slower (the suite took over 20 min). Tests of
// threads ask for their count explicitly; tests/browser/harness.ts pins the app's pages the same way.
import { THREADS_ENV } from '../src/cli/threads.ts';
import { setDefaultWasmThreads } from '../src/core/runtime/wasm_threads.ts';

process.env[THREADS_ENV] = '1';
setDefaultWasmThreads(1);
