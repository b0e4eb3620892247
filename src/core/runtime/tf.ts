// The one module that imports TensorFlow.js: every other file takes `tf` from here.
// It registers the cpu reference backend and every gradient (tfjs-core's Node bundle lacks them;
// in Node this needs bin/tfjs_resolve.mjs). backend.ts adds and picks wasm/webgpu.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
