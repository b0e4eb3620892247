// The response headers that make a page cross-origin isolated, which is what unlocks SharedArrayBuffer
// and so tfjs' threaded wasm build. Every server of the app and the bench sends them (vite.config.ts, sw.js).

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});
