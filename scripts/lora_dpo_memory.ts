// Measures one LoRA DPO step of a published config's shape on wasm (random weights, one pair of prompt 3/4 and
// completion 1/4 of the tokens, as bench's scale section): the reference pass, then the most bytes tensors held
// during a step (tf.profile), the wasm heap after it, and a second step's time. One length per process: the
// heap only grows. Usage: node scripts/lora_dpo_memory.mjs <seqLen> <on|off> [layers] [config]
import { configFromHF } from '../src/core/model/config.ts';
import { createModel } from '../src/core/model/params.ts';
import { initBackend } from '../src/core/runtime/backend.ts';
import { tf } from '../src/core/runtime/tf.ts';
import { REAL_CONFIGS } from '../src/core/bench/real_configs.ts';
import { randomTokens } from '../src/core/bench/models.ts';
import { commonPrefix, type EncodedPair } from '../src/core/train/dpo_data.ts';
import { resolveDpoConfig } from '../src/core/train/dpo_config.ts';
import { runDpo } from '../src/core/train/dpo.ts';
import { adaptedModel, createLora, loraParams } from '../src/core/train/lora.ts';
import { computeReferenceLogps } from '../src/core/train/reference.ts';

const [seqLen, mode, layers, name] = [Number(process.argv[2] ?? 256), process.argv[3] ?? 'on', process.argv[4], process.argv[5] ?? 'SmolLM2-135M'];
const GIB = 2 ** 30;
await initBackend({ order: ['wasm'], threads: 1 });
const json = { ...REAL_CONFIGS[name as keyof typeof REAL_CONFIGS], ...(layers ? { num_hidden_layers: Number(layers) } : {}) };
const config = configFromHF(json);
const model = createModel(config, 1);
const completion = seqLen >> 2;
const [prompt] = randomTokens(config.vocab_size, 1, seqLen - completion, 11);
const [chosen, rejected] = [randomTokens(config.vocab_size, 1, completion, 12)[0], randomTokens(config.vocab_size, 1, completion, 13)[0]];
const data: EncodedPair[] = [{ prompt, chosen, rejected, sharedPrefix: commonPrefix(chosen, rejected), scoreMargin: 0.5 }];
let t0 = performance.now();
await computeReferenceLogps(model, data, { batchSize: 1, padTokenId: 0 });
const referenceMs = performance.now() - t0;
for (const v of Object.values(model.params)) v.trainable = false;
const dpo = resolveDpoConfig({ steps: 2, batchSize: 1, seqLen, warmupSteps: 0, checkpointEvery: 0, adapter: 'lora' });
const checkpointing = mode === 'on';
const lora = createLora(model, { rank: dpo.loraRank, alpha: dpo.loraAlpha, targets: dpo.loraTargets }, 0);
const stepMs: number[] = [];
const losses: number[] = [];
const before = tf.memory().numBytes;
const profile = await tf.profile(() => runDpo({
  policy: { params: loraParams(lora), model: () => adaptedModel(model, lora), checkpointing }, data, config: { ...dpo, steps: 1 }, padTokenId: 0, modelFiles: async () => ({}),
  hooks: { onStep: (s) => { losses.push(s.loss); } },
}) as unknown as tf.TensorContainer);
t0 = performance.now();
await runDpo({
  policy: { params: loraParams(lora), model: () => adaptedModel(model, lora), checkpointing }, data, config: dpo, padTokenId: 0, modelFiles: async () => ({}),
  hooks: { onStep: (s) => { stepMs.push(s.step_ms); losses.push(s.loss); } },
});
const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
console.log(JSON.stringify({
  config: name, layers: config.num_hidden_layers, seqLen, checkpointing: mode, referenceMs: Math.round(referenceMs),
  tensorsBeforeGiB: +(before / GIB).toFixed(3), tensorPeakGiB: +(profile.peakBytes / GIB).toFixed(3), heapGiB: +(heap / GIB).toFixed(3),
  stepMs: stepMs.map(Math.round), losses,
}));
