// Where a decode step's time goes on tfjs-webgpu in Node (Dawn, npm `webgpu`): the readback latency of one
// result, the per-op cost of a chain of adds, and one KV decode step of the bench's `default` model split
// into enqueue (JavaScript: tfjs building and submitting its kernels) and wait (GPU work + buffer map), under
// tfjs-webgpu flag variants. Prints one JSON document. `node scripts/webgpu_probe.mjs` (bench/README.md,
// "WebGPU in Node"): a real GPU through Vulkan, else the software adapter (figures then show mechanics only).
import { installNodeWebGpu } from '../src/cli/commands/bench_gpu.ts';
import { initBackend } from '../src/core/runtime/backend.ts';
import { tf } from '../src/core/runtime/tf.ts';
import { benchConfig } from '../src/core/bench/config.ts';
import { createBenchModel, randomTokens } from '../src/core/bench/models.ts';
import { disposeModel } from '../src/core/model/params.ts';
import { decodeStep, prefill } from '../src/core/model/decode.ts';
import { generate } from '../src/core/model/sampling.ts';

const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return Number(s[Math.floor(s.length / 2)].toFixed(3)); };
const now = (): number => performance.now();
const quick = process.argv.includes('--quick'); // tiny model, fewer steps: the test's smoke run
const found = await installNodeWebGpu();
const backend = await initBackend({ order: ['webgpu'] });
const out: Record<string, unknown> = { found, adapter: backend.adapterInfo, backend: backend.backend };

// 1. Readback latency of one [4096] result (big enough to stay on the GPU: WEBGPU_CPU_FORWARD runs tiny ops on the CPU).
{
  const x = tf.zeros([4096]);
  const t: number[] = [];
  for (let i = 0; i < (quick ? 10 : 40); i++) { const y = tf.add(x, i); const s = now(); await y.data(); t.push(now() - s); y.dispose(); }
  out.readbackMsMedian = med(t.slice(5));
  x.dispose();
}
// 2. Per-op dispatch: 500 chained adds, then one read, on a [64] tensor (small: tfjs may run it on the CPU) and a [4096] one.
for (const size of [64, 4096]) {
  const x = tf.zeros([size]);
  let y = tf.add(x, 0); await y.data();
  const s = now();
  for (let i = 0; i < 500; i++) { const z = tf.add(y, 1); y.dispose(); y = z; }
  const enq = now() - s; await y.data(); const total = now() - s;
  out[`chain500_size${size}`] = { enqueueMsPerOp: Number((enq / 500).toFixed(4)), totalMsPerOp: Number((total / 500).toFixed(4)) };
  y.dispose(); x.dispose();
}
// 3. One KV decode step of the bench's default model: enqueue vs wait, under flag variants.
const cfg = benchConfig(quick);
const model = createBenchModel(cfg.sftModels[0]);
const [prompt] = randomTokens(model.config.vocab_size, 1, quick ? 8 : 32, 3);
const [nSteps, nNew] = quick ? [8, 8] : [24, 64];
const variants: [string, Record<string, number | boolean>][] = [
  ['default', {}],
  ['submit_batch_1000', { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 1000 }],
  ['no_cpu_forward', { WEBGPU_CPU_FORWARD: false }],
  ['handoff_0', { WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD: 0 }],
];
const steps: Record<string, unknown> = {};
for (const [name, flags] of variants) {
  const saved: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) { saved[k] = tf.env().get(k); tf.env().set(k, v); }
  const { logits, cache } = prefill(model, [prompt]); logits.dispose();
  await cache.lastLogits!.data();
  const enq: number[] = []; const wait: number[] = []; let ops = 0;
  for (let i = 0; i < nSteps; i++) {
    const s = now();
    const prof = i === nSteps - 1 ? await tf.profile(() => { decodeStep(model, cache, [5]).dispose(); }) : (decodeStep(model, cache, [5]).dispose(), null);
    const m = now();
    await cache.lastLogits!.data();
    const e = now();
    if (prof) ops = prof.kernels.length; else { enq.push(m - s); wait.push(e - m); }
  }
  cache.dispose();
  const t0 = now(); const result = await generate(model, prompt, { maxNewTokens: nNew, temperature: 0, seed: 0, kvCache: true }); const gen = now() - t0;
  // The flags change scheduling only: every variant must generate the same greedy tokens (the test checks).
  steps[name] = { enqueueMsMedian: med(enq.slice(2)), waitMsMedian: med(wait.slice(2)), kernelsPerStep: ops, generateTokensPerSec: Number((nNew * 1000 / gen).toFixed(1)), tokens: result.tokens };
  for (const [k, v] of Object.entries(saved)) tf.env().set(k, v as number);
}
out.decodeStep = steps;
disposeModel(model);
console.log(JSON.stringify(out, null, 1));
