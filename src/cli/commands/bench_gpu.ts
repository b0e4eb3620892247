// `ttpa bench --gpu`: WebGPU in Node through the npm `webgpu` package (Dawn). A real GPU is found through
// Vulkan; without one, Dawn's OpenGL ES backend on Mesa's llvmpipe gives a software adapter (WebGPU
// compatibility mode, EGL without a display), on which the figures show correctness only. Setup only.
import { tmpdir } from 'node:os';
import { tf } from '../../core/runtime/tf.ts';

/** Puts a Dawn `navigator.gpu` on globalThis for tfjs-backend-webgpu; returns how the adapter was found. */
export async function installNodeWebGpu(): Promise<string> {
  process.env.EGL_PLATFORM ??= 'surfaceless'; // Mesa's EGL without a window system
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const vulkan = create([]);
  if (await vulkan.requestAdapter()) {
    setNavigatorGpu(vulkan);
    return 'Dawn, Vulkan';
  }
  const gles = create(['backend=opengles']);
  const request = gles.requestAdapter.bind(gles);
  // Dawn exposes its OpenGL ES backend only in compatibility mode.
  gles.requestAdapter = (options?: GPURequestAdapterOptions) => request({ ...options, featureLevel: 'compatibility' } as GPURequestAdapterOptions);
  if (!(await gles.requestAdapter())) {
    throw new Error('--gpu: Dawn found no WebGPU adapter (no Vulkan GPU driver, and no OpenGL ES through EGL: apt-get install -y mesa-vulkan-drivers libegl-mesa0 libgles2)');
  }
  setNavigatorGpu(gles);
  return 'Dawn, OpenGL ES (compatibility mode)';
}

function setNavigatorGpu(gpu: GPU): void {
  Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis as { navigator?: object }).navigator, gpu }, configurable: true, writable: true });
}

/** Mesa's llvmpipe/lavapipe, SwiftShader: CPU emulations whose figures show correctness, not speed. */
export function isSoftwareAdapter(info: string | undefined): boolean {
  return /swiftshader|llvmpipe|lavapipe|software/i.test(info ?? '');
}

/** The WebGPU device's limits that bound one tensor (tfjs-webgpu asks the adapter for its largest). */
export function webGpuDeviceLimits(): { maxBufferSize: number; maxStorageBufferBindingSize: number } | undefined {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  return device && { maxBufferSize: device.limits.maxBufferSize, maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize };
}
