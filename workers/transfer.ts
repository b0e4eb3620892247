// Wraps an API object so results holding ArrayBuffers (ExportFile.bytes) are transferred to the page
// by comlink instead of copied. The API itself stays comlink-free.
import * as Comlink from 'comlink';

function buffersOf(value: unknown): ArrayBuffer[] {
  if (value instanceof ArrayBuffer) return [value];
  if (!value || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap(buffersOf);
  const bytes = (value as { bytes?: unknown }).bytes;
  return bytes instanceof ArrayBuffer ? [bytes] : [];
}

export function withTransfers<T extends object>(api: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(api)) {
    wrapped[name] = typeof fn !== 'function' ? fn : async (...args: unknown[]) => {
      const result: unknown = await (fn as (...a: unknown[]) => unknown).apply(api, args);
      const buffers = buffersOf(result);
      return buffers.length ? Comlink.transfer(result, buffers) : result;
    };
  }
  return wrapped as T;
}
