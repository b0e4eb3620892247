// `ttpa widen`: grow a trained llama/qwen2 checkpoint into a wider one that computes the same logits
// (core/model/widen.ts), so a larger model can start from what a small one learned instead of from
// random weights. Arguments and file I/O only.
import { existsSync } from 'node:fs';
import { resolveModelConfig } from '../../core/model/config.ts';
import { disposeModel, type Model } from '../../core/model/params.ts';
import { widenFactors, widenWeights, type PlainWeights } from '../../core/model/widen.ts';
import { initBackend } from '../../core/runtime/backend.ts';
import { checkpointFiles, loadCheckpoint } from '../../core/runtime/checkpoint.ts';
import { tf } from '../../core/runtime/tf.ts';
import { bool, num, optNum, str, UsageError, type Command } from '../args.ts';
import { writeDirAtomic } from '../atomic_write.ts';
import { dirSource } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';

export const widenCommand: Command = {
  name: 'widen',
  summary: 'grow a checkpoint into a wider model with the same outputs (Net2Net), to train further',
  options: [
    { name: 'model', type: 'string', help: 'HF checkpoint folder (llama or qwen2) to widen', required: true },
    { name: 'hidden-size', type: 'int', help: 'new hidden size, a whole multiple of the old one (attention and kv heads grow with it; default: keep)' },
    { name: 'intermediate-size', type: 'int', help: 'new MLP width, a whole multiple of the old one (default: keep)' },
    { name: 'seed', type: 'int', help: 'seed of the random shares that split each copied weight', default: 1 },
    { name: 'out', type: 'string', help: 'output folder (HF layout)', required: true },
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const modelDir = str(args, 'model');
    if (!existsSync(modelDir)) throw new UsageError(`--model ${modelDir} does not exist`);
    const out = str(args, 'out');
    checkNotInput(out, [modelDir]);
    claimOutputs([out], bool(args, 'overwrite'));
    await initBackend({ order: ['cpu'] });
    const { model, tokenizer } = await loadCheckpoint(dirSource(modelDir));
    let wide: Model | undefined;
    try {
      const from = model.config;
      const hidden = optNum(args, 'hidden-size') ?? from.hidden_size;
      const factor = hidden / from.hidden_size;
      const to = resolveModelConfig(from, {
        hidden_size: hidden,
        intermediate_size: optNum(args, 'intermediate-size') ?? from.intermediate_size,
        num_attention_heads: Math.round(from.num_attention_heads * factor),
        num_key_value_heads: Math.round(from.num_key_value_heads * factor),
      });
      const { hidden: kHidden, mlp: kMlp } = widenFactors(from, to);
      const narrow: PlainWeights = {};
      for (const [name, v] of Object.entries(model.params)) narrow[name] = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
      const weights = widenWeights(from, to, narrow, num(args, 'seed'));
      wide = { config: to, params: Object.fromEntries(Object.entries(weights).map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape), false)])) };
      const files = await checkpointFiles(wide, tokenizer, { 'widen.json': { widened_from: modelDir, hidden_factor: kHidden, mlp_factor: kMlp, seed: num(args, 'seed') } });
      writeDirAtomic(out, files);
      const params = (m: Model): string => (Object.values(m.params).reduce((n, v) => n + v.size, 0) / 1e6).toFixed(2);
      console.log(`widened ${modelDir} (${params(model)}M parameters) into ${out} (${params(wide)}M): hidden ${from.hidden_size} -> ${to.hidden_size}, ` +
        `heads ${from.num_attention_heads}/${from.num_key_value_heads} -> ${to.num_attention_heads}/${to.num_key_value_heads}, MLP ${from.intermediate_size} -> ${to.intermediate_size}`);
      return 0;
    } finally {
      disposeModel(model);
      if (wide) disposeModel(wide);
    }
  },
};
