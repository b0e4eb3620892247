// Backend choice in one place: browser webgpu -> wasm -> cpu, Node wasm -> cpu.
// Reports which backend runs and why each earlier choice was skipped; never falls back silently.
import { tf } from './tf.ts';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

/** What initBackend did: the backend in use and, for each one tried before it, why it failed. */
export interface BackendReport {
  backend: BackendName;
  skipped: { backend: BackendName; reason: string }[];
  /** Adapter description for webgpu (vendor/architecture), so real-GPU figures are labelled. */
  adapterInfo?: string;
}

export interface BackendOptions {
  /** Order to try; defaults to webgpu,wasm,cpu in a browser and wasm,cpu in Node. */
  order?: BackendName[];
  /** Browser only: URLs of the tfjs wasm binaries (Vite serves them via `?url` imports). */
  wasmPaths?: Record<string, string>;
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
      const adapterInfo = await registerBackend(name, options);
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      return { backend: name, skipped, adapterInfo };
    } catch (err) {
      skipped.push({ backend: name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

async function registerBackend(name: BackendName, options: BackendOptions): Promise<string | undefined> {
  if (name === 'cpu') return undefined;
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (options.wasmPaths) {
      // With cross-origin isolation the threaded build hangs here; the SIMD build is the fast one.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setWasmPaths(options.wasmPaths);
    }
    return undefined;
  }
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) throw new Error('navigator.gpu is not available (WebGPU disabled or unsupported)');
  const adapter = (await gpu.requestAdapter()) as { info?: { vendor?: string; architecture?: string; description?: string } } | null;
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info;
  return info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') || 'unknown adapter' : undefined;
}
