// The engine's current model + tokenizer and where they came from; loading from the shipped default,
// a preset (fresh weights, a tokenizer trained on the tool catalog), a dropped folder, or stored files.
import { renderConversation } from '../src/core/data/chat_format.ts';
import type { Sample } from '../src/core/data/sample.ts';
import { MODEL_PRESETS, resolveModelConfig } from '../src/core/model/config.ts';
import { countParams, createModel, disposeModel, type Model } from '../src/core/model/params.ts';
import { checkpointFiles, loadCheckpoint } from '../src/core/runtime/checkpoint.ts';
import { fileListSource, memorySource, type FileSource } from '../src/core/runtime/file_source.ts';
import { buildTokenizerConfig, trainDefaultTokenizer } from '../src/core/tokenizer/default_tokenizer.ts';
import { loadTokenizer, type Tokenizer } from '../src/core/tokenizer/tokenizer.ts';
import { TOOLS } from '../src/core/tools/catalog.ts';
import type { ModelInfo, ModelSource } from '../src/protocol.ts';

export interface Session {
  model: Model;
  tokenizer: Tokenizer;
  info: ModelInfo;
}

export interface SessionOptions {
  /** URL of the shipped model folder (ending in '/'); absent in Node. */
  defaultModelUrl?: string;
  /** Reads stored checkpoint files by id (for `{kind: 'checkpoint'}`). */
  readCheckpoint?(id: string): Promise<Record<string, Uint8Array>>;
  /** Samples to train a fresh tokenizer on besides the tool catalog. */
  corpusSamples?: Sample[];
}

const DEFAULT_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

export async function loadSession(source: ModelSource, options: SessionOptions): Promise<Session> {
  switch (source.kind) {
    case 'default': {
      const src = options.defaultModelUrl ? await fetchFolder(options.defaultModelUrl, 'models/default') : undefined;
      if (src) return fromSource(src, 'default', 'default');
      const fresh = freshSession('default', 0, options.corpusSamples ?? []);
      fresh.info.source = 'default';
      fresh.info.note = 'models/default is not shipped yet: a fresh model from the "default" preset was built';
      return fresh;
    }
    case 'preset': {
      if (source.tokenizerVocab) return freshSession(source.preset, source.seed, options.corpusSamples ?? [], source.overrides, undefined, source.tokenizerVocab);
      const shipped = options.defaultModelUrl ? await fetchTokenizer(options.defaultModelUrl) : undefined;
      return freshSession(source.preset, source.seed, options.corpusSamples ?? [], source.overrides, shipped);
    }
    case 'files':
      return fromSource(fileListSource(source.files), source.label ?? 'imported', 'files');
    case 'checkpoint': {
      if (!options.readCheckpoint) throw new Error('no checkpoint storage in this engine');
      return fromSource(memorySource(source.id, await options.readCheckpoint(source.id)), source.id, 'checkpoint');
    }
  }
}

export function disposeSession(s: Session): void {
  disposeModel(s.model);
}

/** The session as an HF model folder (config, safetensors, tokenizer), plus extra JSON files. */
export function sessionFiles(s: Session, extra: Record<string, unknown> = {}): Promise<Record<string, Uint8Array>> {
  return checkpointFiles(s.model, s.tokenizer, extra);
}

async function fromSource(src: FileSource, name: string, kind: ModelSource['kind']): Promise<Session> {
  const ckpt = await loadCheckpoint(src);
  return { model: ckpt.model, tokenizer: ckpt.tokenizer, info: describe(ckpt.model, name, kind) };
}

/** Fetches the shipped folder; undefined when it is not there (404), an error when it is broken. */
async function fetchFolder(baseUrl: string, name: string): Promise<FileSource | undefined> {
  const probe = await fetch(new URL('config.json', baseUrl)).catch(() => undefined);
  // Static hosts with an SPA fallback answer 200 with index.html for a missing file.
  if (!probe?.ok || (probe.headers.get('content-type') ?? '').includes('text/html')) return undefined;
  const files: Record<string, Uint8Array> = { 'config.json': new Uint8Array(await probe.arrayBuffer()) };
  for (const f of DEFAULT_FILES.slice(1)) {
    const res = await fetch(new URL(f, baseUrl));
    if (res.ok) files[f] = new Uint8Array(await res.arrayBuffer());
    else if (f !== 'tokenizer_config.json') throw new Error(`${name}/${f}: HTTP ${res.status}`);
  }
  return memorySource(name, files);
}

/** The shipped default's tokenizer (trained on the project's data), when the folder is there. */
async function fetchTokenizer(baseUrl: string): Promise<Tokenizer | undefined> {
  const src = await fetchFolder(baseUrl, 'models/default').catch(() => undefined);
  if (!src?.has('tokenizer.json')) return undefined;
  return loadTokenizer(await src.readText('tokenizer.json'), src.has('tokenizer_config.json') ? await src.readText('tokenizer_config.json') : undefined);
}

/** Fresh weights from a preset; the tokenizer is the shipped one, else one trained on the catalog and samples. */
function freshSession(preset: string, seed: number, samples: Sample[], overrides: Record<string, unknown> = {}, shipped?: Tokenizer, vocab?: number): Session {
  const base = resolveModelConfig(preset, overrides);
  const tokenizer = shipped ?? trainFreshTokenizer(samples, vocab ?? (base.vocab_size <= 128 ? 384 : Math.max(512, base.vocab_size)));
  const config = resolveModelConfig(preset, {
    ...overrides,
    vocab_size: tokenizer.vocabSize, eos_token_id: tokenizer.eosTokenId, pad_token_id: tokenizer.padTokenId,
  });
  const model = createModel(config, seed);
  return { model, tokenizer, info: describe(model, preset, 'preset') };
}

/** Byte-level BPE on the tool catalog rendered through the chat template, plus any samples given. */
function trainFreshTokenizer(samples: Sample[], vocabSize: number): Tokenizer {
  const corpus: string[] = [];
  for (const tool of TOOLS) {
    const f = tool.schema.function;
    const args = Object.fromEntries(Object.entries(f.parameters.properties).map(([k, p]) => [k, p.enum?.[0] ?? (p.type === 'string' ? k : 1)]));
    corpus.push(renderSafely([
      { role: 'user', content: f.description },
      { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: f.name, arguments: args } }] },
      { role: 'tool', name: f.name, content: JSON.stringify({ result: 1 }) },
      { role: 'assistant', content: `The ${f.name.replaceAll('_', ' ')} result is 1.` },
    ], [tool.schema]));
  }
  for (const s of samples.slice(0, 400)) corpus.push(renderSafely(s.messages, s.tools));
  const json = trainDefaultTokenizer(corpus, { vocabSize });
  return loadTokenizer(json, buildTokenizerConfig(json));
}

/** A conversation the template cannot render adds nothing to the corpus rather than failing the load. */
function renderSafely(...args: Parameters<typeof renderConversation>): string {
  try {
    return renderConversation(...args);
  } catch {
    return '';
  }
}

function describe(model: Model, name: string, kind: ModelSource['kind']): ModelInfo {
  return {
    name, source: kind, config: { ...model.config }, nParams: countParams(model.config),
    vocabSize: model.config.vocab_size, presets: Object.keys(MODEL_PRESETS),
  };
}
