// Backend choice in one place: browser webgpu -> wasm -> cpu, Node wasm -> cpu.
// Reports which backend runs and why each earlier choice was skipped; never falls back silently.
import { tf } from './tf.ts';
import { prepareWasmThreads, wasmThreadsInUse } from './wasm_threads.ts';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

/** What initBackend did: the backend in use and, for each one tried before it, why it failed. */
export interface BackendReport {
  backend: BackendName;
  skipped: { backend: BackendName; reason: string }[];
  /** Adapter description for webgpu (vendor/architecture), so real-GPU figures are labelled. */
  adapterInfo?: string;
  /** Threads the backend computes on (wasm: tfjs' thread pool; cpu and webgpu: 1 CPU thread). */
  threads: number;
  /** Why fewer threads run than were asked for (e.g. the page is not cross-origin isolated). */
  threadsNote?: string;
}

export interface BackendOptions {
  /** Order to try; defaults to webgpu,wasm,cpu in a browser and wasm,cpu in Node. */
  order?: BackendName[];
  /** Browser only: URLs of the tfjs wasm binaries (Vite serves them via `?url` imports). */
  wasmPaths?: Record<string, string>;
  /** wasm threads (1 = the single-threaded SIMD build); default: the cores available. */
  threads?: number;
}

export function isBrowserLike(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined' ||
    typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
}

export function defaultBackendOrder(): BackendName[] {
  return isBrowserLike() ? ['webgpu', 'wasm', 'cpu'] : ['wasm', 'cpu'];
}

export async function initBackend(options: BackendOptions = {}): Promise<BackendReport> {
  const order = options.order ?? defaultBackendOrder();
  const skipped: BackendReport['skipped'] = [];
  for (const name of order) {
    try {
      if (name === 'wasm') return { ...(await startWasm(options)), skipped };
      const adapterInfo = await registerBackend(name);
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      return { backend: name, skipped, adapterInfo, threads: 1 };
    } catch (err) {
      skipped.push({ backend: name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** Starts wasm with the thread count asked for (or one, with the reason, where threads cannot run). */
async function startWasm(options: BackendOptions): Promise<Omit<BackendReport, 'skipped'>> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (tf.engine().registry.wasm) {
    // Started before (tfjs keeps one wasm module per thread of JavaScript): report what runs.
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') returned false");
    const threads = wasmThreadsInUse(wasm);
    const asked = options.threads;
    return { backend: 'wasm', threads, ...(asked && asked !== threads ? { threadsNote: `wasm already started with ${threads} thread(s) in this process` } : {}) };
  }
  if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths);
  const plan = await prepareWasmThreads(wasm, options.threads, isBrowserLike());
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') returned false");
    await tf.ready();
  } finally {
    plan.restore();
  }
  const threads = wasmThreadsInUse(wasm);
  const note = plan.note ?? (threads < plan.threads ? `tfjs started ${threads} of the ${plan.threads} threads asked for` : undefined);
  return { backend: 'wasm', threads, ...(note ? { threadsNote: note } : {}) };
}

async function registerBackend(name: Exclude<BackendName, 'wasm'>): Promise<string | undefined> {
  if (name === 'cpu') return undefined;
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) throw new Error('navigator.gpu is not available (WebGPU disabled or unsupported)');
  const adapter = (await gpu.requestAdapter()) as { info?: { vendor?: string; architecture?: string; description?: string; device?: string } } | null;
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info;
  return info ? [info.vendor, info.architecture, info.description, info.device].filter(Boolean).join(' / ') || 'unknown adapter' : undefined;
}
