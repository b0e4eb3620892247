// How many threads tfjs-backend-wasm runs, and what it takes to start its threaded SIMD build here.
// Browser: needs cross-origin isolation (SharedArrayBuffer). Node: node_wasm_threads.ts makes the
// Emscripten pthreads start (tfjs disables them in Node). Decides and prepares; backend.ts starts tfjs.
import { tf } from './tf.ts';

/** What prepareWasmThreads decided: the count asked of tfjs, and why it is 1 when more were asked. */
export interface WasmThreadsPlan {
  threads: number;
  /** Set when fewer threads than requested will run (the reason, for the Model panel and run reports). */
  note?: string;
  /** Undoes what was changed for tfjs' start-up (call once the backend is ready or failed). */
  restore(): void;
}

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

/** Cores a browser reports (navigator.hardwareConcurrency); Node's count is node_wasm_threads.ts'. */
export function coresAvailable(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/** A thread count as the user gave it: a positive integer, at most 64. */
export function validateThreads(threads: number, field = 'threads'): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new Error(`${field} must be an integer from 1 to 64, got ${threads}`);
  return threads;
}

let defaultThreads: number | undefined;

/**
 * Overrides "the cores available" as the default thread count of this process (undefined: back to it).
 * For hosts that already run one process per core, such as the test runner's forks.
 */
export function setDefaultWasmThreads(threads: number | undefined): void {
  defaultThreads = threads === undefined ? undefined : validateThreads(threads);
}

const single = (note?: string): WasmThreadsPlan => {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return { threads: 1, note, restore: () => undefined };
};

/**
 * Prepares tfjs-backend-wasm for `requested` threads (default: the cores available) before
 * `tf.setBackend('wasm')`. One thread uses the
 * single-threaded SIMD build (no thread pool at all). tfjs caps its pool at half the reported cores
 * (backend.cc: "many x86-64 processors have 2 threads per core"), which on a 2-core machine means one
 * thread whatever is asked, so the core count it reads at start-up is reported as twice the threads asked.
 */
export async function prepareWasmThreads(wasm: WasmModule, requested: number | undefined, browser: boolean): Promise<WasmThreadsPlan> {
  const host = './node_wasm_threads.ts'; // a variable, so the browser bundle does not include this Node-only file
  const node = browser ? undefined : (await import(/* @vite-ignore */ host)) as typeof import('./node_wasm_threads.ts');
  const threads = validateThreads(requested ?? defaultThreads ?? node?.nodeCoresAvailable() ?? coresAvailable());
  if (threads === 1) return single();
  if (!node) {
    if (!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) {
      return single('page not cross-origin isolated (no COOP/COEP headers): SharedArrayBuffer is off, so wasm runs one thread');
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    return { threads, restore: reportCores(globalThis.navigator, 'hardwareConcurrency', 2 * threads) };
  }
  const undo = node.enableNodeWasmThreads(threads);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  const restore = (): void => {
    undo();
    const backend = tf.engine().registry.wasm as unknown as { wasm?: unknown } | undefined;
    if (backend?.wasm) node.unrefWasmThreads(backend.wasm);
  };
  return { threads, restore };
}

/** Shadows `obj[key]` with `value` until the returned function runs. */
export function reportCores<T extends object>(obj: T, key: string, value: unknown): () => void {
  Object.defineProperty(obj, key, { value, configurable: true });
  return () => void delete (obj as Record<string, unknown>)[key];
}

/** Threads the started wasm backend actually runs (tfjs' own count). */
export function wasmThreadsInUse(wasm: WasmModule): number {
  return wasm.getThreadsCount();
}
