// An HF model folder <-> (Model, Tokenizer): what AutoModelForCausalLM / AutoTokenizer.from_pretrained
// read and save_pretrained writes. F32 on save; F16/BF16 accepted on load. No pickle (.bin) weights.
import { configFromHF, configToHF, type ModelConfig } from '../model/config.ts';
import { expectedParamShapes, type Model, type Params } from '../model/params.ts';
import { loadTokenizer, type Tokenizer } from '../tokenizer/tokenizer.ts';
import { missingFileError, parseJsonText, readJson, type FileSource } from './file_source.ts';
import { refuseIfTooLarge } from './memory_plan.ts';
import { parseSafetensors, safetensorsNames, serializeSafetensors, type LoadedTensor } from './safetensors.ts';
import { tf } from './tf.ts';

export interface Checkpoint {
  model: Model;
  tokenizer: Tokenizer;
  /** Other JSON files of the folder by file name, e.g. trainer_state.json. */
  extra: Record<string, unknown>;
}

const WEIGHTS = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';
/** Files this module reads or writes itself; every other *.json goes to `extra`. */
const KNOWN_FILES = new Set(['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json',
  'special_tokens_map.json', INDEX, 'added_tokens.json', 'vocab.json']);
/** HF buffers that are not parameters: gpt2's causal-mask buffers, rotary inverse frequencies. */
const UNUSED_BUFFER = /(^|\.)attn\.(masked_)?bias$|rotary_emb\.inv_freq$/;

export async function loadCheckpoint(src: FileSource): Promise<Checkpoint> {
  for (const f of ['config.json', 'tokenizer.json']) if (!src.has(f)) throw missingFileError(src, f);
  const model = await loadModelWeights(src);
  const { params, config } = model;
  try {
    const tokenizer = await loadTokenizerFrom(src);
    if (tokenizer.vocabSize > config.vocab_size) {
      throw new Error(`tokenizer.json has ${tokenizer.vocabSize} tokens but config.json vocab_size is ${config.vocab_size}`);
    }
    const extra: Record<string, unknown> = {};
    for (const f of src.list()) if (f.endsWith('.json') && !KNOWN_FILES.has(f)) extra[f] = await readJson(src, f);
    return { model, tokenizer, extra };
  } catch (err) {
    for (const v of Object.values(params)) v.dispose();
    throw err;
  }
}

/**
 * config.json and the weights of a folder as a Model. Refuses a model whose float32 weights cannot fit
 * the current backend's memory (memory_plan.ts) before reading any weight file; first, from the tensor
 * names alone (the safetensors header or the index), a config.json claiming layers the weights lack.
 */
export async function loadModelWeights(src: FileSource): Promise<Model> {
  if (!src.has('config.json')) throw missingFileError(src, 'config.json');
  if (!src.has(WEIGHTS) && !src.has(INDEX)) throw new Error(`model folder ${src.name} is missing ${WEIGHTS} (or ${INDEX})`);
  const config = configFromHF(await readJson(src, 'config.json'));
  const listed = await listTensorNames(src);
  if (listed) checkLayerCount(config, listed.names, listed.fileOf);
  refuseIfTooLarge(config, { kind: 'load', seqLen: 0, batch: 1 }, tf.engine().backendName ?? '', `model folder ${src.name}`);
  const { tensors, fileOf } = src.has(WEIGHTS) ? await readSingle(src) : await readSharded(src);
  checkLayerCount(config, new Set(Object.keys(tensors)), fileOf);
  return { config, params: toParams(tensors, expectedParamShapes(config), fileOf, config.tie_word_embeddings) };
}

/** tokenizer.json (+ tokenizer_config.json, chat_template.jinja if present) of a folder. */
export async function loadTokenizerFrom(src: FileSource): Promise<Tokenizer> {
  if (!src.has('tokenizer.json')) throw missingFileError(src, 'tokenizer.json');
  const tokenizerText = await src.readText('tokenizer.json');
  if (!src.has('tokenizer_config.json')) return loadTokenizer(tokenizerText);
  const configText = await src.readText('tokenizer_config.json');
  // Newer transformers save the template beside the config instead of inside it.
  if (src.has('chat_template.jinja')) {
    const config = parseJsonText(configText, 'tokenizer_config.json') as Record<string, unknown>;
    if (config.chat_template === undefined) {
      return loadTokenizer(tokenizerText, { ...config, chat_template: await src.readText('chat_template.jinja') });
    }
  }
  return loadTokenizer(tokenizerText, configText);
}

interface Tensors {
  tensors: Record<string, LoadedTensor>;
  /** The file each tensor came from, for messages. */
  fileOf: (name: string) => string;
}

/** The tensor names of the weights without reading them; undefined where unreadable (the full read names why). */
async function listTensorNames(src: FileSource): Promise<{ names: Set<string>; fileOf: (name: string) => string } | undefined> {
  if (src.has(WEIGHTS)) {
    const names = await safetensorsNames((n) => src.readHead(WEIGHTS, n));
    return names && { names: new Set(names), fileOf: () => WEIGHTS };
  }
  const map = ((await readJson(src, INDEX)) as { weight_map?: unknown } | null)?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map)) return undefined;
  const weightMap = map as Record<string, string>;
  return { names: new Set(Object.keys(weightMap)), fileOf: (name) => weightMap[name] ?? INDEX };
}

async function readSingle(src: FileSource): Promise<Tensors> {
  return { tensors: parseSafetensors(await src.read(WEIGHTS), WEIGHTS), fileOf: () => WEIGHTS };
}

async function readSharded(src: FileSource): Promise<Tensors> {
  const index = await readJson(src, INDEX) as { weight_map?: unknown };
  const map = index?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new Error(`${INDEX}: missing weight_map`);
  const weightMap = map as Record<string, string>;
  const tensors: Record<string, LoadedTensor> = {};
  for (const shard of [...new Set(Object.values(weightMap))].sort()) {
    if (!src.has(shard)) throw new Error(`model folder ${src.name} is missing ${shard} (listed in ${INDEX})`);
    for (const [name, t] of Object.entries(parseSafetensors(await src.read(shard), shard))) {
      if (weightMap[name] !== shard) throw new Error(`${shard}: tensor ${name} is not assigned to this shard in ${INDEX}`);
      tensors[name] = t;
    }
  }
  for (const [name, shard] of Object.entries(weightMap)) {
    if (!tensors[name]) throw new Error(`${shard}: missing tensor ${name} (listed in ${INDEX})`);
  }
  return { tensors, fileOf: (name) => weightMap[name] ?? INDEX };
}

/**
 * config.json's num_hidden_layers against the tensors present, layer by layer, before the full list of
 * expected tensors is built: a config claiming 10^7 layers fails at the first missing one instead of
 * exhausting memory on names.
 */
function checkLayerCount(config: ModelConfig, names: Set<string>, fileOf: (n: string) => string): void {
  const LAYER0 = /\.(layers|h)\.0\./;
  const layer0 = Object.keys(expectedParamShapes({ ...config, num_hidden_layers: 1 })).filter((n) => LAYER0.test(n));
  const has = (n: string): boolean => names.has(n) || names.has(n.replace(/^transformer\./, ''));
  for (let i = 0; i < config.num_hidden_layers; i++) {
    for (const n of layer0) {
      const name = n.replace(LAYER0, `.$1.${i}.`);
      if (!has(name)) throw new Error(`${fileOf(name)}: missing tensor ${name} (config.json has num_hidden_layers ${config.num_hidden_layers})`);
    }
  }
}

/** Checks names and shapes against the config, then makes the variables (all or none). */
function toParams(tensors: Record<string, LoadedTensor>, expected: Record<string, number[]>, fileOf: (n: string) => string, tied: boolean): Params {
  // Bare GPT2Model checkpoints (the original gpt2 upload) name tensors without "transformer.".
  const prefixed = 'transformer.wte.weight' in expected && !('transformer.wte.weight' in tensors) && 'wte.weight' in tensors;
  const byName: Record<string, LoadedTensor> = {};
  const source: Record<string, string> = {};
  for (const [fileName, t] of Object.entries(tensors)) {
    const name = prefixed && !fileName.startsWith('lm_head.') ? `transformer.${fileName}` : fileName;
    if (name in expected) {
      byName[name] = t;
      source[name] = fileName;
    } else if (!UNUSED_BUFFER.test(name) && !(tied && name === 'lm_head.weight')) {
      throw new Error(`${fileOf(fileName)}: unexpected tensor ${fileName}, not a parameter of the model config.json describes`);
    }
  }
  for (const [name, shape] of Object.entries(expected)) {
    const t = byName[name];
    if (!t) throw new Error(`${fileOf(name)}: missing tensor ${name} (config.json implies shape [${shape}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${fileOf(source[name])}: tensor ${source[name]} has shape [${t.shape}], config.json implies [${shape}]`);
    }
  }
  const params: Params = {};
  for (const [name, shape] of Object.entries(expected)) {
    // No variable name: tfjs names are global, and several models coexist.
    params[name] = tf.tidy(() => tf.variable(tf.tensor(byName[name].data, shape, 'float32'), true));
  }
  return params;
}

/**
 * The files of an HF model folder for this model and tokenizer: config.json, generation_config.json,
 * model.safetensors (F32), tokenizer.json, tokenizer_config.json, special_tokens_map.json, and one
 * JSON file per `extra` entry (keys are file names ending in .json).
 */
export async function checkpointFiles(model: Model, tokenizer: Tokenizer, extra: Record<string, unknown> = {}): Promise<Record<string, Uint8Array>> {
  const enc = new TextEncoder();
  const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v, null, 2) + '\n');
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const name of Object.keys(model.params).sort()) {
    const v = model.params[name];
    tensors[name] = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
  }
  const special = (id: number | undefined): string | undefined => (id === undefined ? undefined : tokenizer.tokenString(id));
  const tokenizerFiles = tokenizer.files();
  const files: Record<string, Uint8Array> = {
    'config.json': json({ ...configToHF(model.config), torch_dtype: 'float32' }),
    'generation_config.json': json({
      ...(tokenizer.bosTokenId === undefined ? {} : { bos_token_id: tokenizer.bosTokenId }),
      eos_token_id: tokenizer.eosTokenId,
      pad_token_id: tokenizer.padTokenId,
    }),
    [WEIGHTS]: serializeSafetensors(tensors, { format: 'pt' }),
    'tokenizer.json': enc.encode(tokenizerFiles['tokenizer.json']),
    'tokenizer_config.json': enc.encode(tokenizerFiles['tokenizer_config.json']),
    'special_tokens_map.json': json({
      ...(tokenizer.bosTokenId === undefined ? {} : { bos_token: special(tokenizer.bosTokenId) }),
      eos_token: special(tokenizer.eosTokenId),
      pad_token: special(tokenizer.padTokenId),
    }),
  };
  for (const [f, value] of Object.entries(extra)) {
    if (!f.endsWith('.json') || f.includes('/') || f in files || KNOWN_FILES.has(f)) {
      throw new Error(`checkpointFiles: extra file name ${f} must end in .json and not be one of the checkpoint's own files`);
    }
    files[f] = json(value);
  }
  return files;
}
