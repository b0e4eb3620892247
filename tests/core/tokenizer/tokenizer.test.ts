import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_TEMPLATE } from '../../../src/core/data/chat_format.ts';
import { createRng } from '../../../src/core/rng.ts';
import { trainDefaultTokenizer } from '../../../src/core/tokenizer/default_tokenizer.ts';
import { loadTokenizer } from '../../../src/core/tokenizer/tokenizer.ts';

const fixture = (f: string): string => readFileSync(new URL(`../../fixtures/tokenizers/${f}`, import.meta.url), 'utf8');
const gpt2Json = fixture('gpt2_style.tokenizer.json');
const llamaJson = fixture('llama_style.tokenizer.json');
const llamaConfig = fixture('llama_style.tokenizer_config.json');

describe('loadTokenizer: GPT-2 style byte-level BPE (hand-built fixture)', () => {
  const tok = loadTokenizer(gpt2Json);
  // ids worked by hand from the fixture's vocab and merge ranks
  it.each([
    ['hello world!', [12, 17, 8]],
    ['hello<|endoftext|>hello', [12, 19, 12]],
    ['hold', [0, 3, 2, 7]],
    ['well', [5, 1, 9]],
    ['hello\n', [12, 18]],
  ])('encodes %j to %j and back', (text, ids) => {
    expect(tok.encode(text)).toEqual(ids);
    expect(tok.decode(ids)).toBe(text);
  });
  it('knows its specials, eos, display strings', () => {
    expect(tok.vocabSize).toBe(20);
    expect(tok.eosTokenId).toBe(19);
    expect(tok.padTokenId).toBe(19);
    expect([...tok.specialTokenIds]).toEqual([19]);
    expect(tok.tokenString(17)).toBe(' world');
    expect(tok.tokenString(18)).toBe('\n');
    expect(tok.tokenToId('Ġworld')).toBe(17);
    expect(tok.decode([12, 19], { skipSpecial: true })).toBe('hello');
    expect(tok.decode([])).toBe('');
    expect(tok.chatTemplate).toBe(DEFAULT_CHAT_TEMPLATE);
    expect(() => tok.decode([20])).toThrow('decode: token id 20 is outside the vocabulary [0, 20)');
  });
  it('files() keeps tokenizer.json verbatim and adds the chat template it used', () => {
    const files = tok.files();
    expect(files['tokenizer.json']).toBe(gpt2Json);
    expect(JSON.parse(files['tokenizer_config.json'])).toEqual({
      chat_template: DEFAULT_CHAT_TEMPLATE, tokenizer_class: 'PreTrainedTokenizerFast', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>',
    });
    const again = loadTokenizer(files['tokenizer.json'], files['tokenizer_config.json']);
    expect(again.encode('hello world!')).toEqual([12, 17, 8]);
  });
  it('does not apply the legacy " ." clean-up unless the config asks', () => {
    const withDot = JSON.parse(gpt2Json);
    withDot.model.vocab['.'] = 20;
    const t = loadTokenizer(withDot);
    expect(t.decode(t.encode('hello .'))).toBe('hello .');
    expect(loadTokenizer(withDot, { clean_up_tokenization_spaces: true }).decode(t.encode('hello .'))).toBe('hello.');
  });
});

describe('loadTokenizer: Llama style SentencePiece BPE with byte fallback (hand-built fixture)', () => {
  const tok = loadTokenizer(llamaJson, llamaConfig);
  it.each([
    ['hello world', [271, 276]],
    ['hé', [268, 3 + 0xc3, 3 + 0xa9]],
    ['hello</s>', [271, 2]],
    ['world hello', [276, 271]],
  ])('encodes %j to %j and back', (text, ids) => {
    expect(tok.encode(text)).toEqual(ids);
    expect(tok.decode(ids)).toBe(text);
  });
  it('round trips random Unicode through byte fallback', () => {
    const rng = createRng(5);
    for (let n = 0; n < 100; n++) {
      const s = Array.from({ length: 1 + rng.int(20) }, () => String.fromCodePoint(rng.pick([0x20, 0x61, 0x6c, 0x1f600, 0x4e2d, 0x301, 0x0a]) + rng.int(3))).join('');
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });
  it('prepends the word marker after a special token, as SentencePiece (legacy) does', () => {
    expect(tok.encode('</s>hello')).toEqual([2, 271]);
    expect(tok.decode([2, 271])).toBe('</s> hello');
  });
  it('takes the default chat template from a list, eos/bos from the config, shows bytes', () => {
    expect(tok.chatTemplate).toMatch(/^\{\{ bos_token \}\}/);
    expect(tok.eosTokenId).toBe(2);
    expect(tok.bosTokenId).toBe(1);
    expect(tok.templateVars).toEqual({ bos_token: '<s>', eos_token: '</s>' });
    expect(tok.tokenString(271)).toBe(' hello');
    expect(tok.tokenString(3 + 0xc3)).toBe('\\xC3');
    expect(tok.tokenString(3 + 0x41)).toBe('A');
    expect(tok.specialTokenIds).toEqual(new Set([0, 1, 2]));
    expect(tok.vocabSize).toBe(277);
  });
});

describe('loadTokenizer: Qwen2 style (NFC, Split regex then ByteLevel without regex)', () => {
  const json = trainDefaultTokenizer(['Hello world, héllo wörld 123 456!\n\n'.repeat(20)], { vocabSize: 300 });
  const qwenRegex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const tok = loadTokenizer({
    ...json,
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: qwenRegex }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ] },
  });
  it('splits digits one by one and round trips NFC text', () => {
    const ids = tok.encode('x 123');
    expect(ids.map(tok.tokenString)).toEqual(['x', ' ', '1', '2', '3']);
    const rng = createRng(9);
    for (let n = 0; n < 100; n++) {
      const s = Array.from({ length: 1 + rng.int(20) }, () => String.fromCodePoint(rng.pick([0x20, 0x41, 0x30, 0xe9, 0x1f600, 0x4e2d, 0x0a, 0x27]) + rng.int(3))).join('').normalize('NFC');
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });
});

describe('loadTokenizer errors', () => {
  const gpt2 = (): Record<string, any> => JSON.parse(gpt2Json);
  it.each([
    ['not JSON', '{"model": {', 'tokenizer.json: not valid JSON at offset 11'],
    ['not an object', '[1]', 'tokenizer.json: expected a JSON object'],
    ['no model', '{}', 'tokenizer.json: missing model'],
    ['no vocab', (() => { const t = gpt2(); delete t.model.vocab; return t; })(), 'tokenizer.json: missing model.vocab'],
    ['no merges', (() => { const t = gpt2(); delete t.model.merges; return t; })(), 'tokenizer.json: missing model.merges'],
    ['bad added token', (() => { const t = gpt2(); t.added_tokens = [{ id: 'x' }]; return t; })(), 'tokenizer.json: added_tokens[0] needs an integer id'],
    ['unknown component', (() => { const t = gpt2(); t.decoder = { type: 'Nope' }; return t; })(), 'tokenizer.json: Unknown Decoder type: Nope'],
  ])('%s', (_label, input, message) => {
    expect(() => loadTokenizer(input as string | object)).toThrow(message);
  });
  it('names the config file and an eos token it cannot find', () => {
    expect(() => loadTokenizer(gpt2Json, '{"eos_token": }')).toThrow('tokenizer_config.json: not valid JSON at offset 14');
    const t = gpt2();
    t.added_tokens = [];
    delete t.model.vocab['<|endoftext|>'];
    expect(() => loadTokenizer(t, { eos_token: '</eos>' })).toThrow(/eos_token "<\/eos>" is not in the vocabulary/);
  });
});
