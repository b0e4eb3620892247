// Node only: lets tfjs-backend-wasm's threaded build start its Emscripten pthreads under worker_threads.
// tfjs turns threads off in Node (tfjs issue #3830) because three things fail there, each fixed here
// while the backend starts and undone after. Loaded by wasm_threads.ts through a variable path, never bundled.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/**
 * (1) tfjs hands Emscripten the pthread worker script and the module's own source as blob: URLs,
 * which Node's Worker refuses (ERR_WORKER_PATH): both are written to a temp folder instead, the source
 * recorded as its Blob is made. (2) That source is the factory cut out of tfjs' CommonJS bundle, so it
 * names the bundle's module-level `require$$N` and `commonjsGlobal`: they are declared ahead of it.
 * (3) tfjs caps its pool at half of os.cpus() (see wasm_threads.ts), so that reads twice `threads`.
 * And while the pool's workers load, nothing else may hold Node's event loop (Emscripten unrefs them):
 * Node would exit with code 13 (unsettled top-level await), so a timer holds it until restore.
 */
export function enableNodeWasmThreads(threads: number): () => void {
  const dir = mkdtempSync(join(os.tmpdir(), 'ttpa-wasm-threads-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const mainPath = join(dir, 'tfjs-backend-wasm-threaded-simd.cjs');
  const workerPath = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  const texts = new WeakMap<Blob, string>();
  let workerWritten = false;
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;

  globalThis.Blob = class RecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      const text = (parts ?? []).every((p) => typeof p === 'string') ? (parts as string[]).join('') : undefined;
      if (text === undefined) return;
      texts.set(this, text);
      if (text.startsWith('var WasmBackendModuleThreadedSimd')) {
        const bundleScope = "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;\n";
        writeFileSync(mainPath, bundleScope + text);
      }
    }
  };
  URL.createObjectURL = (obj: Blob): string => {
    const text = texts.get(obj);
    if (text === undefined) return originalCreateObjectURL(obj);
    // The pthread worker loads the module source from a blob URL it makes itself: point that at the file.
    // Written once: Emscripten makes its 8 pool workers in a loop, and rewriting the file while the first
    // ones start lets a worker read it half-written, never report "loaded", and the backend wait forever.
    if (!workerWritten) writeFileSync(workerPath, `URL.createObjectURL = () => ${JSON.stringify(mainPath)};\n${text}`);
    workerWritten = true;
    return workerPath;
  };
  os.cpus = () => Array.from({ length: 2 * threads }, () => originalCpus()[0]);
  const holdEventLoop = setInterval(() => undefined, 60_000);
  return () => {
    clearInterval(holdEventLoop);
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  };
}

/**
 * Lets Node exit while the pool is alive: Emscripten refs a worker while it runs a pthread, and
 * XNNPACK's pool threads run for the life of the module, so any script on wasm threads would never end.
 */
export function unrefWasmThreads(module: unknown): void {
  const pthread = (module as { PThread?: { runningWorkers?: { unref?(): void }[]; unusedWorkers?: { unref?(): void }[] } }).PThread;
  for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) w.unref?.();
}

/** Cores Node may use (os.availableParallelism: respects CPU affinity). */
export function nodeCoresAvailable(): number {
  return os.availableParallelism();
}
