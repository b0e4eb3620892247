import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { renderConversation } from '../../../src/core/data/chat_format.ts';
import { buildTokenizerConfig, DEFAULT_ADDED_TOKENS, DEFAULT_SPECIAL_TOKENS, trainDefaultTokenizer } from '../../../src/core/tokenizer/default_tokenizer.ts';
import { countWords, learnMerges, trainBpe } from '../../../src/core/tokenizer/train_bpe.ts';
import { loadTokenizer } from '../../../src/core/tokenizer/tokenizer.ts';
import { BYTE_TO_CHAR, byteCharsToBytes } from '../../../src/core/tokenizer/byte_level.ts';
import type { ToolSchema } from '../../../src/core/tools/schema.ts';

const weather: ToolSchema = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } },
};
function chatCorpus(n: number): string[] {
  const rng = createRng(7);
  const cities = ['Paris', 'Berlin', 'Tokyo', 'Lima', 'Oslo', 'Cairo'];
  return Array.from({ length: n }, () => {
    const city = rng.pick(cities);
    return renderConversation([
      { role: 'user', content: `What is the weather in ${city} today?` },
      { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city, unit: rng.pick(['c', 'f']) } } }] },
      { role: 'tool', name: 'get_weather', content: `{"temp": ${rng.int(40)}}` },
      { role: 'assistant', content: `It is ${rng.int(40)} degrees in ${city}.` },
    ], [weather]);
  });
}

/** Random well-formed strings drawn from several Unicode blocks (lone surrogates cannot round-trip UTF-8). */
function randomText(rng: ReturnType<typeof createRng>, len: number): string {
  const ranges: [number, number][] = [[0x20, 0x7e], [0x00, 0x1f], [0xa0, 0x24f], [0x300, 0x36f], [0x4e00, 0x9fff], [0x1f300, 0x1faff], [0x10000, 0x10ffff], [0xe000, 0xfffd]];
  let s = '';
  for (let i = 0; i < len; i++) {
    const [lo, hi] = rng.pick(ranges);
    s += String.fromCodePoint(lo + rng.int(hi - lo + 1));
  }
  return s;
}

describe('learnMerges (hand-worked)', () => {
  it('merges the most frequent pair first, then merges inside the new token', () => {
    // words: "aab" x3, "ab" x2, "b" x1.  pairs: (a,a)=3, (a,b)=5  -> merge a+b first
    const { vocab, merges } = learnMerges(new Map([['aab', 3], ['ab', 2], ['b', 1]]), 258, [], 1);
    expect(merges).toEqual([['a', 'b'], ['a', 'ab']]);
    expect(vocab.slice(256)).toEqual(['ab', 'aab']);
  });
  it('stops at minFrequency', () => {
    const { merges } = learnMerges(new Map([['xy', 1]]), 300, [], 2);
    expect(merges).toEqual([]);
  });
  it('cuts added tokens out of the corpus before counting', () => {
    expect([...countWords(['hi<|x|>hi there'], ['<|x|>'])]).toEqual([['hi', 2], ['Ġthere', 1]]);
  });
});

/** Independent reference: recount every pair from scratch each step (slow, obviously correct). */
function naiveBpe(words: Map<string, number>, nMerges: number): { merges: [string, string][]; segs: Map<string, string[]> } {
  const ids = new Map(BYTE_TO_CHAR.map((ch, i) => [ch, i]));
  const segs = new Map([...words.keys()].map((w) => [w, [...w]]));
  const merges: [string, string][] = [];
  for (let m = 0; m < nMerges; m++) {
    const counts = new Map<string, number>();
    for (const [w, n] of words) {
      const s = segs.get(w)!;
      for (let i = 0; i + 1 < s.length; i++) counts.set(`${s[i]}\u0000${s[i + 1]}`, (counts.get(`${s[i]}\u0000${s[i + 1]}`) ?? 0) + n);
    }
    // most frequent; ties to the smaller (id of left, id of right)
    let best: { n: number; x: string; y: string } | undefined;
    for (const [k, n] of counts) {
      const [x, y] = k.split('\u0000');
      const smaller = best && (ids.get(x)! - ids.get(best.x)! || ids.get(y)! - ids.get(best.y)!) < 0;
      if (n >= 2 && (!best || n > best.n || (n === best.n && smaller))) best = { n, x, y };
    }
    if (!best) break;
    const { x, y } = best;
    merges.push([x, y]);
    if (!ids.has(x + y)) ids.set(x + y, ids.size);
    for (const [w, s] of segs) {
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === x && s[i + 1] === y) {
          out.push(x + y);
          i++;
        } else out.push(s[i]);
      }
      segs.set(w, out);
    }
  }
  return { merges, segs };
}

describe('trainBpe against a from-scratch reference', () => {
  const repeats = ['aaaaaaa aaaa aaa ====== ....  \n\n\n\t\t x', 'aaaaaaaaaaaaa ==== ...... \n\n', 'abababab ababab bababa éééé 中中中中'];
  it.each([['chats', chatCorpus(12)], ['overlapping repeats', repeats]])('%s: same merges as recounting every step; the library encodes words as trained', (_label, corpus) => {
    const added = [...DEFAULT_SPECIAL_TOKENS, ...DEFAULT_ADDED_TOKENS];
    const words = countWords(corpus, added);
    const ref = naiveBpe(words, 1000);
    expect(ref.merges.length).toBeGreaterThan(10); // both run until no pair occurs twice
    expect(learnMerges(words, 256 + 1000, [], 2).merges).toEqual(ref.merges);
    const json = trainBpe(corpus, { vocabSize: added.length + 256 + ref.merges.length, specialTokens: added });
    const vocab = (json.model as { vocab: Record<string, number> }).vocab;
    const tok = loadTokenizer(json);
    for (const [w, seg] of ref.segs) {
      const text = new TextDecoder().decode(byteCharsToBytes(w));
      expect(tok.encode(text)).toEqual(seg.map((t) => vocab[t]));
    }
  });
});

describe('trainDefaultTokenizer', () => {
  const corpus = chatCorpus(60);
  const json = trainDefaultTokenizer(corpus, { vocabSize: 400 });
  const tok = loadTokenizer(json, buildTokenizerConfig(json));

  it('is deterministic and respects the vocabulary size', () => {
    expect(JSON.stringify(trainDefaultTokenizer(corpus, { vocabSize: 400 }))).toBe(JSON.stringify(json));
    expect(tok.vocabSize).toBe(400);
  });

  it('makes every special and chat marker a single token with fixed ids', () => {
    [...DEFAULT_SPECIAL_TOKENS, ...DEFAULT_ADDED_TOKENS].forEach((t, i) => {
      expect(tok.encode(t)).toEqual([i]);
      expect(tok.tokenToId(t)).toBe(i);
    });
    expect(tok.eosTokenId).toBe(tok.tokenToId('<|im_end|>'));
    expect(tok.padTokenId).toBe(tok.tokenToId('<|pad|>'));
    expect(tok.specialTokenIds).toEqual(new Set([0, 1, 2, 3]));
    const ids = tok.encode(corpus[0]);
    expect(ids.filter((id) => id === tok.tokenToId('<tool_call>'))).toHaveLength(1);
    expect(tok.decode(ids, { skipSpecial: true })).toContain('<tool_call>');
    expect(tok.decode(ids, { skipSpecial: true })).not.toContain('<|im_start|>');
  });

  it('round trips arbitrary Unicode exactly', () => {
    const fixed = ['', ' ', 'héllo wörld', '日本語のテキスト', '👩‍👩‍👧 family 🏳️‍🌈', 'e\u0301\u0302 combining', '\x00\x01\t\r\n\x7f', "it's  two  spaces\n\n", '<|im_start|>user\n<tool_call>{"a": 1}</tool_call><|im_end|>'];
    const rng = createRng(123);
    const random = Array.from({ length: 200 }, () => randomText(rng, 1 + rng.int(40)));
    for (const s of [...fixed, ...random]) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('compresses the text it was trained on', () => {
    const text = corpus.join('');
    expect(text.length / tok.encode(text).length).toBeGreaterThan(3);
  });

  it('shows byte tokens for display', () => {
    const ids = tok.encode('\u4e00'); // E4 B8 80, never seen in training: three byte tokens
    expect(ids.map(tok.tokenString)).toEqual(['\\xE4', '\\xB8', '\\x80']);
    expect(tok.tokenString(tok.tokenToId('<tool_call>')!)).toBe('<tool_call>');
  });

  it('validates the vocabulary size', () => {
    expect(() => trainBpe([], { vocabSize: 100, specialTokens: ['<s>'] })).toThrow('trainBpe: vocabSize must be an integer in [257, 1048576)');
  });
});
