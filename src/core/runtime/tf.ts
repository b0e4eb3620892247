// The one module that imports TensorFlow.js: every other file takes `tf` from here.
// It registers the cpu reference backend only; backend.ts adds and picks wasm/webgpu.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
