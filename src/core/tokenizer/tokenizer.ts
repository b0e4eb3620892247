// Loads a Hugging Face tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers and
// wraps it in the small interface the rest of the lab uses. It does not train: see train_bpe.ts.
import { Tokenizer as HFTokenizer } from '@huggingface/tokenizers';
import { checkTemplate, DEFAULT_CHAT_TEMPLATE, END_OF_TURN } from '../data/chat_format.ts';
import { parseJsonText } from '../runtime/file_source.ts';
import { byteCharsToBytes, displayBytes } from './byte_level.ts';
import { checkTokenizerRegexes } from './regex_check.ts';

export interface Tokenizer {
  /** Token ids of `text`, with no BOS/EOS added (chat templates write those themselves). */
  encode(text: string): number[];
  /** Exact inverse of encode for well-formed text; `skipSpecial` drops special tokens. */
  decode(ids: number[], opts?: { skipSpecial?: boolean }): string;
  /** Display form of one token for the UI: bytes decoded best-effort, others as `\xNN`. */
  tokenString(id: number): string;
  tokenToId(t: string): number | undefined;
  /** One more than the largest token id (added tokens included). */
  vocabSize: number;
  /** Where generation stops: `<|im_end|>` for ChatML templates, else the config's eos_token. */
  eosTokenId: number;
  padTokenId: number;
  bosTokenId?: number;
  specialTokenIds: Set<number>;
  chatTemplate: string;
  /** Variables HF chat templates expect besides messages/tools (bos_token, eos_token). */
  templateVars: { bos_token: string; eos_token: string };
  /** The two files as they should be saved; the config gains chat_template, tokenizer_class, eos and pad tokens if it lacked them. */
  files(): { 'tokenizer.json': string; 'tokenizer_config.json': string };
}

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => !!x && typeof x === 'object' && !Array.isArray(x);

function asObject(input: string | object, fileName: string): Json {
  const value = typeof input === 'string' ? parseJsonText(input, fileName) : input;
  if (!isObject(value)) throw new Error(`${fileName}: expected a JSON object`);
  return value;
}

/** tokenizer_config.json writes tokens either as strings or as AddedToken dicts `{content, ...}`. */
export function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

/** The structural checks the library would fail on with an unhelpful message. */
function checkTokenizerJson(tj: Json): void {
  const model = tj.model;
  if (!isObject(model)) throw new Error('tokenizer.json: missing model');
  if (model.vocab === undefined) throw new Error('tokenizer.json: missing model.vocab');
  const type = model.type ?? (Array.isArray(model.vocab) ? 'Unigram' : 'BPE');
  if (type === 'Unigram' ? !Array.isArray(model.vocab) : !isObject(model.vocab)) {
    throw new Error(`tokenizer.json: model.vocab of a ${String(type)} model has the wrong form`);
  }
  if (type === 'BPE' && !Array.isArray(model.merges)) throw new Error('tokenizer.json: missing model.merges');
  if (tj.added_tokens !== undefined) {
    if (!Array.isArray(tj.added_tokens)) throw new Error('tokenizer.json: added_tokens is not a list');
    tj.added_tokens.forEach((t: unknown, i: number) => {
      if (!isObject(t) || !Number.isInteger(t.id) || typeof t.content !== 'string') {
        throw new Error(`tokenizer.json: added_tokens[${i}] needs an integer id and a string content`);
      }
    });
  }
}

/** chat_template is a string or a list of {name, template}; we take 'default'. */
function pickChatTemplate(config: Json): string | undefined {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.find((x) => isObject(x) && x.name === 'default');
    if (isObject(named) && typeof named.template === 'string') return named.template;
  }
  return undefined;
}

const hasType = (component: unknown, type: string): boolean =>
  isObject(component) && (component.type === type ||
    (Array.isArray(component.decoders) && component.decoders.some((d) => hasType(d, type))) ||
    (Array.isArray(component.pretokenizers) && component.pretokenizers.some((d) => hasType(d, type))));

export function loadTokenizer(tokenizerJson: string | object, tokenizerConfigJson?: string | object): Tokenizer {
  const tj = asObject(tokenizerJson, 'tokenizer.json');
  checkTokenizerJson(tj);
  checkTokenizerRegexes(tj);
  const config = tokenizerConfigJson === undefined ? {} : asObject(tokenizerConfigJson, 'tokenizer_config.json');
  const full = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...tj };
  // Exact round trips matter more here than HF's legacy " ." -> "." clean-up; honour it only if asked.
  const cleanUp = config.clean_up_tokenization_spaces === true;
  let hf: HFTokenizer;
  try {
    hf = new HFTokenizer(full, { ...config, clean_up_tokenization_spaces: cleanUp });
  } catch (err) {
    throw new Error(`tokenizer.json: ${err instanceof Error ? err.message : String(err)}`);
  }

  const added = hf.get_added_tokens_decoder();
  const vocab = hf.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  const specialTokenIds = new Set([...added.values()].filter((t) => t.special).map((t) => t.id));
  const chatTemplate = pickChatTemplate(config) ?? DEFAULT_CHAT_TEMPLATE;
  checkTemplate(chatTemplate, 'tokenizer_config.json chat_template');
  const idOf = (t: string | undefined): number | undefined => (t === undefined ? undefined : hf.token_to_id(t));

  const eosName = tokenName(config.eos_token);
  const eosTokenId = (chatTemplate.includes(END_OF_TURN) ? idOf(END_OF_TURN) : undefined) ??
    idOf(eosName) ?? idOf('<|endoftext|>') ?? idOf('</s>') ?? idOf('<eos>');
  if (eosTokenId === undefined) {
    throw new Error(`tokenizer_config.json: eos_token ${JSON.stringify(eosName ?? null)} is not in the vocabulary, and neither is ${END_OF_TURN}, <|endoftext|>, </s> or <eos>`);
  }
  const padTokenId = idOf(tokenName(config.pad_token)) ?? idOf('<|pad|>') ?? eosTokenId;
  const bosName = tokenName(config.bos_token);
  const bosTokenId = idOf(bosName);
  const byteLevel = hasType(tj.decoder, 'ByteLevel') || hasType(tj.pre_tokenizer, 'ByteLevel');

  const tokenString = (id: number): string => {
    const tok = hf.id_to_token(id);
    if (tok === undefined) return `[#${id}]`;
    if (added.has(id)) return tok;
    if (byteLevel) {
      const bytes = byteCharsToBytes(tok);
      return bytes ? displayBytes(bytes) : tok;
    }
    const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(tok);
    if (m) return displayBytes(Uint8Array.of(parseInt(m[1], 16)));
    return tok.replaceAll('\u2581', ' ');
  };

  // Saved configs carry what transformers' AutoTokenizer needs, whatever the loaded one lacked.
  const fill: Json = {};
  if (pickChatTemplate(config) === undefined) fill.chat_template = chatTemplate;
  if (config.tokenizer_class === undefined) fill.tokenizer_class = 'PreTrainedTokenizerFast';
  if (eosName === undefined) fill.eos_token = hf.id_to_token(eosTokenId);
  if (config.pad_token === undefined || config.pad_token === null) fill.pad_token = hf.id_to_token(padTokenId);
  const savedConfig = Object.keys(fill).length ? { ...config, ...fill } : config;
  const tokenizerText = typeof tokenizerJson === 'string' ? tokenizerJson : JSON.stringify(tokenizerJson);
  const configText = typeof tokenizerConfigJson === 'string' && savedConfig === config
    ? tokenizerConfigJson
    : JSON.stringify(savedConfig, null, 2);

  return {
    encode: (text) => {
      const ids = hf.encode(text, { add_special_tokens: false }).ids;
      if (ids.some((id) => id === undefined)) throw new Error('encode: the text has characters this tokenizer cannot represent and it has no unk token');
      return ids;
    },
    decode: (ids, opts = {}) => {
      if (ids.length === 0) return '';
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`decode: token id ${id} is outside the vocabulary [0, ${vocabSize})`);
      }
      return hf.decode(ids, { skip_special_tokens: opts.skipSpecial ?? false, clean_up_tokenization_spaces: cleanUp });
    },
    tokenString,
    tokenToId: (t) => hf.token_to_id(t),
    vocabSize,
    eosTokenId,
    padTokenId,
    bosTokenId,
    specialTokenIds,
    chatTemplate,
    templateVars: { bos_token: bosName ?? '', eos_token: eosName ?? '' },
    files: () => ({ 'tokenizer.json': tokenizerText, 'tokenizer_config.json': configText }),
  };
}
