// Tells a software WebGPU adapter (a CPU emulator such as SwiftShader) from a real GPU before the engine
// picks a backend: on an emulator WebGPU is ~30x slower than wasm, so automatic choice skips it.
// It only reads the adapter's self-description; it never starts a device.

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
}

/** Names that identify CPU emulators in GPUAdapterInfo (Chromium's SwiftShader, Mesa's llvmpipe/lavapipe, Windows' WARP). */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** The software adapter's description when WebGPU would run on a CPU emulator, else undefined. */
export async function softwareAdapter(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } | undefined)?.gpu;
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return undefined;
  const info = adapter.info ?? {};
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ');
  if (adapter.isFallbackAdapter || info.isFallbackAdapter || SOFTWARE.test(text)) return text || 'fallback adapter';
  return undefined;
}
