import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveModelConfig, type ModelConfig } from '../../../src/core/model/config.ts';
import { forward } from '../../../src/core/model/model.ts';
import { createModel, disposeModel, type Model } from '../../../src/core/model/params.ts';
import { checkpointFiles, loadCheckpoint, loadTokenizerFrom } from '../../../src/core/runtime/checkpoint.ts';
import { fileListSource, memorySource } from '../../../src/core/runtime/file_source.ts';
import { parseSafetensors, serializeSafetensors } from '../../../src/core/runtime/safetensors.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { loadTokenizer } from '../../../src/core/tokenizer/tokenizer.ts';

const tokenizer = loadTokenizer(readFileSync(new URL('../../fixtures/tokenizers/gpt2_style.tokenizer.json', import.meta.url), 'utf8'));
const ids = [[12, 17, 8, 19, 0, 3, 2]];

function logits(model: Model): Float32Array {
  return tf.tidy(() => forward(model, tf.tensor2d(ids, [1, ids[0].length], 'int32')).dataSync() as Float32Array);
}
const values = (m: Model): Record<string, number[]> =>
  Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, Array.from(v.dataSync())]));

async function saved(c: ModelConfig, extra?: Record<string, unknown>): Promise<{ model: Model; files: Record<string, Uint8Array> }> {
  const model = createModel(c, 42);
  return { model, files: await checkpointFiles(model, tokenizer, extra) };
}
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const withJson = (files: Record<string, Uint8Array>, f: string, edit: (j: any) => void): Record<string, Uint8Array> => {
  const j = JSON.parse(text(files[f]));
  edit(j);
  return { ...files, [f]: new TextEncoder().encode(JSON.stringify(j)) };
};
const withTensors = (files: Record<string, Uint8Array>, edit: (t: Record<string, { shape: number[]; data: Float32Array }>) => void): Record<string, Uint8Array> => {
  const t = parseSafetensors(files['model.safetensors']);
  edit(t);
  return { ...files, 'model.safetensors': serializeSafetensors(t) };
};

describe('checkpoint save then load', () => {
  it.each(['tiny', 'tiny-gpt2', 'tiny-qwen2'])('%s: identical config, params, logits, tokenizer and extra', async (preset) => {
    const before = tf.memory().numTensors;
    const { model, files } = await saved(resolveModelConfig(preset), { 'trainer_state.json': { global_step: 3 } });
    expect(Object.keys(files).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json',
      'tokenizer.json', 'tokenizer_config.json', 'trainer_state.json']);
    const back = await loadCheckpoint(memorySource('m', files));
    expect(back.model.config).toEqual(model.config);
    expect(values(back.model)).toEqual(values(model));
    expect(logits(back.model)).toEqual(logits(model));
    expect(back.tokenizer.encode('hello world!')).toEqual([12, 17, 8]);
    expect(back.tokenizer.files()).toEqual(tokenizer.files());
    expect(back.extra).toEqual({ 'trainer_state.json': { global_step: 3 } });
    expect(JSON.parse(text(files['config.json'])).torch_dtype).toBe('float32');
    expect(JSON.parse(text(files['generation_config.json']))).toEqual({ eos_token_id: 19, pad_token_id: 19 });
    expect(JSON.parse(text(files['special_tokens_map.json']))).toEqual({ eos_token: '<|endoftext|>', pad_token: '<|endoftext|>' });
    disposeModel(model);
    disposeModel(back.model);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps an untied lm_head and ignores a tied duplicate', async () => {
    const untied = await saved(resolveModelConfig('tiny', { tie_word_embeddings: false }));
    expect(parseSafetensors(untied.files['model.safetensors'])['lm_head.weight'].shape).toEqual([64, 32]);
    const back = await loadCheckpoint(memorySource('m', untied.files));
    expect(logits(back.model)).toEqual(logits(untied.model));
    const tied = await saved(resolveModelConfig('tiny'));
    expect(parseSafetensors(tied.files['model.safetensors'])['lm_head.weight']).toBeUndefined();
    const dup = withTensors(tied.files, (t) => { t['lm_head.weight'] = t['model.embed_tokens.weight']; });
    expect(logits((await loadCheckpoint(memorySource('m', dup))).model)).toEqual(logits(tied.model));
  });

  it('loads sharded weights, gpt2 buffers and bare GPT2Model names', async () => {
    const { model, files } = await saved(resolveModelConfig('tiny-gpt2'));
    const all = parseSafetensors(files['model.safetensors']);
    const names = Object.keys(all);
    const shard = (ns: string[]): Uint8Array => serializeSafetensors(Object.fromEntries(ns.map((n) => [n, all[n]])));
    const half = Math.floor(names.length / 2);
    const shardFiles = { ...files, 'model-00001-of-00002.safetensors': shard(names.slice(0, half)), 'model-00002-of-00002.safetensors': shard(names.slice(half)),
      'model.safetensors.index.json': new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: Object.fromEntries(names.map((n, i) => [n, `model-0000${i < half ? 1 : 2}-of-00002.safetensors`])) })) };
    delete (shardFiles as Record<string, Uint8Array>)['model.safetensors'];
    expect(logits((await loadCheckpoint(memorySource('m', shardFiles))).model)).toEqual(logits(model));

    const bare = withTensors(files, (t) => {
      for (const n of Object.keys(t)) { t[n.replace(/^transformer\./, '')] = t[n]; delete t[n]; }
      t['h.0.attn.bias'] = { shape: [1, 1, 2, 2], data: new Float32Array(4), dtype: 'F32' } as never;
      t['h.0.attn.masked_bias'] = { shape: [], data: new Float32Array(1) } as never;
    });
    expect(logits((await loadCheckpoint(memorySource('m', bare))).model)).toEqual(logits(model));
  });

  it('loads BF16 weights as float32 and a chat_template.jinja beside the config', async () => {
    const { model, files } = await saved(resolveModelConfig('tiny'));
    const all = parseSafetensors(files['model.safetensors']);
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const truncated: Record<string, number[]> = {};
    for (const name of Object.keys(all).sort()) {
      const bits = new Uint32Array(all[name].data.slice().buffer);
      const halves = Uint16Array.from(bits, (b) => b >>> 16);
      truncated[name] = Array.from(new Float32Array(Uint32Array.from(halves, (h) => h << 16).buffer));
      header[name] = { dtype: 'BF16', shape: all[name].shape, data_offsets: [offset, offset + halves.byteLength] };
      chunks.push(new Uint8Array(halves.buffer));
      offset += halves.byteLength;
    }
    const h = new TextEncoder().encode(JSON.stringify(header));
    const bf16 = new Uint8Array(8 + h.length + offset);
    new DataView(bf16.buffer).setBigUint64(0, BigInt(h.length), true);
    bf16.set(h, 8);
    chunks.reduce((at, c) => (bf16.set(c, at), at + c.length), 8 + h.length);
    const noTemplate = withJson(files, 'tokenizer_config.json', (j) => { delete j.chat_template; });
    const back = await loadCheckpoint(memorySource('m', { ...noTemplate, 'model.safetensors': bf16, 'chat_template.jinja': new TextEncoder().encode('{{ messages }}') }));
    expect(values(back.model)).toEqual(truncated);
    expect(values(back.model)).not.toEqual(values(model));
    expect(back.tokenizer.chatTemplate).toBe('{{ messages }}');
  });

  it('loads from browser File objects', async () => {
    const { model, files } = await saved(resolveModelConfig('tiny'));
    const list = Object.entries(files).map(([f, b]) => {
      const file = new File([b as BlobPart], f);
      Object.defineProperty(file, 'webkitRelativePath', { value: `ckpt/${f}` });
      return file;
    });
    expect(logits((await loadCheckpoint(fileListSource(list))).model)).toEqual(logits(model));
  });
});

describe('checkpoint errors name the file and tensor', () => {
  it.each([
    ['missing tokenizer', (f: Record<string, Uint8Array>) => { delete f['tokenizer.json']; return f; }, 'model folder ckpt is missing tokenizer.json'],
    ['missing weights', (f: Record<string, Uint8Array>) => { delete f['model.safetensors']; return f; }, 'model folder ckpt is missing model.safetensors (or model.safetensors.index.json)'],
    ['shape mismatch', (f: Record<string, Uint8Array>) => withJson(f, 'config.json', (j) => { j.intermediate_size = 88; }),
      'model.safetensors: tensor model.layers.0.mlp.gate_proj.weight has shape [64,32], config.json implies [88,32]'],
  ])('%s', async (_label, edit, message) => {
    const { files } = await saved(resolveModelConfig('tiny'));
    await expect(loadCheckpoint(memorySource('ckpt', edit({ ...files })))).rejects.toThrow(message);
  });

  it('missing, unexpected and corrupt tensors; bad config and tokenizer', async () => {
    const { files } = await saved(resolveModelConfig('tiny'));
    const load = (f: Record<string, Uint8Array>): Promise<unknown> => loadCheckpoint(memorySource('ckpt', f));
    await expect(load(withTensors(files, (t) => { delete t['model.norm.weight']; })))
      .rejects.toThrow('model.safetensors: missing tensor model.norm.weight (config.json implies shape [32])');
    await expect(load(withTensors(files, (t) => { t['model.layers.9.mlp.up_proj.weight'] = t['model.norm.weight']; })))
      .rejects.toThrow('model.safetensors: unexpected tensor model.layers.9.mlp.up_proj.weight');
    const corrupt = files['model.safetensors'].slice();
    corrupt[8] = 0x5b; // '[' where the header's '{' was
    await expect(load({ ...files, 'model.safetensors': corrupt })).rejects.toThrow(/^model\.safetensors: corrupt header/);
    await expect(load({ ...files, 'config.json': new TextEncoder().encode('{"model_type": "llama",') }))
      .rejects.toThrow('config.json: not valid JSON at offset 23');
    await expect(load(withJson(files, 'tokenizer.json', (j) => { delete j.model.vocab; })))
      .rejects.toThrow('tokenizer.json: missing model.vocab');
    await expect(load(withJson(files, 'config.json', (j) => { j.vocab_size = 10; })))
      .rejects.toThrow('model.safetensors: tensor model.embed_tokens.weight has shape [64,32], config.json implies [10,32]');
  });

  it('checks num_hidden_layers against the tensors before listing them (10^7 layers: the first missing one)', async () => {
    for (const c of [resolveModelConfig('tiny'), resolveModelConfig('tiny-gpt2')]) {
      const { files } = await saved(c);
      const L = c.num_hidden_layers;
      const first = c.model_type === 'gpt2' ? `transformer.h.${L}.ln_1.weight` : `model.layers.${L}.self_attn.q_proj.weight`;
      await expect(loadCheckpoint(memorySource('ckpt', withJson(files, 'config.json', (j) => { j.num_hidden_layers = 10_000_000; j.n_layer = 10_000_000; }))))
        .rejects.toThrow(`model.safetensors: missing tensor ${first} (config.json has num_hidden_layers 10000000)`);
    }
  });

  it('loads a tokenizer alone from a folder, naming a missing tokenizer.json', async () => {
    const tok = await loadTokenizerFrom(memorySource('t', tokenizer.files()));
    expect(tok.encode('hello world!')).toEqual([12, 17, 8]);
    await expect(loadTokenizerFrom(memorySource('t', {}))).rejects.toThrow('model folder t is missing tokenizer.json');
  });

  it('refuses extra files that would overwrite the checkpoint', async () => {
    const model = createModel(resolveModelConfig('tiny'), 1);
    await expect(checkpointFiles(model, tokenizer, { 'config.json': {} })).rejects.toThrow(/extra file name config\.json/);
    disposeModel(model);
  });
});
