// A deterministic byte-level BPE trainer that writes a complete HF tokenizer.json (GPT-2 style).
// Pair counts are updated incrementally per merge (as HF's Rust trainer does); no dropout, no unk.
import { BYTE_TO_CHAR, GPT2_SPLIT_REGEX, textToByteChars } from './byte_level.ts';

export interface TrainBpeOptions {
  /** Total vocabulary size: added tokens + 256 bytes + merged tokens. */
  vocabSize: number;
  /** Special tokens (`special: true`: skipped by decode(skipSpecial)); ids 0.. in this order. */
  specialTokens: string[];
  /** Single tokens that are not special (kept when decoding with skipSpecial), e.g. `<tool_call>`. */
  addedTokens?: string[];
  /** A pair seen fewer times than this is never merged; default 2. */
  minFrequency?: number;
}

/** Pair (a, b) of symbol ids as one number; ids stay below 2^20. */
const PAIR = 1 << 20;

/** Max-heap of [count, pair] ordered by count, then by smaller pair (so ties break deterministically). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  private above(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.counts.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    for (let i = 0; ;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < last && this.above(l, m)) m = l;
      if (r < last && this.above(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

/** Unique pre-tokens (GPT-2 regex pieces as byte chars) and their counts; added tokens are cut out. */
export function countWords(corpus: string[], addedTokens: string[]): Map<string, number> {
  const escaped = [...addedTokens].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const splitter = escaped.length ? new RegExp(escaped.join('|'), 'g') : undefined;
  const counts = new Map<string, number>();
  for (const doc of corpus) {
    for (const piece of splitter ? doc.split(splitter) : [doc]) {
      for (const m of piece.matchAll(GPT2_SPLIT_REGEX)) {
        const w = textToByteChars(m[0]);
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
  }
  return counts;
}

export interface BpeResult {
  /** id -> token string (byte chars); ids of added tokens come first. */
  vocab: string[];
  merges: [string, string][];
}

/** Left-to-right, non-overlapping replacement of the pair (a, b) by c; undefined if it does not occur. */
function mergeSymbols(s: Int32Array, a: number, b: number, c: number): Int32Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      out.push(c);
      i++;
    } else out.push(s[i]);
  }
  return out.length === s.length ? undefined : Int32Array.from(out);
}

/** Count of every adjacent pair over all words, and which words hold it (a superset after merges). */
class PairIndex {
  counts = new Map<number, number>();
  where = new Map<number, Set<number>>();
  note(k: number, w: number): void {
    let set = this.where.get(k);
    if (!set) this.where.set(k, (set = new Set()));
    set.add(w);
  }
}

/** The merge loop alone: returns the vocabulary and merges learned from word counts. */
export function learnMerges(words: Map<string, number>, vocabSize: number, reserved: string[], minFrequency: number): BpeResult {
  const vocab = [...reserved, ...BYTE_TO_CHAR];
  const ids = new Map(vocab.map((t, i) => [t, i]));
  if (ids.size !== vocab.length) throw new Error('trainBpe: an added token collides with a byte token or another added token');
  const symbols: Int32Array[] = [...words.keys()].map((w) => Int32Array.from(w, (ch) => ids.get(ch)!));
  const freq = [...words.values()];
  const index = new PairIndex();
  symbols.forEach((s, w) => {
    for (let i = 0; i + 1 < s.length; i++) {
      const k = s[i] * PAIR + s[i + 1];
      index.counts.set(k, (index.counts.get(k) ?? 0) + freq[w]);
      index.note(k, w);
    }
  });
  const heap = new PairHeap();
  for (const [k, n] of index.counts) heap.push(n, k);

  const merges: [string, string][] = [];
  while (vocab.length < vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    const current = index.counts.get(key) ?? 0;
    if (current !== count) { // stale entry: counts only fall between pushes, so re-queue and retry
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < minFrequency) break;
    const a = Math.floor(key / PAIR), b = key % PAIR;
    const merged = vocab[a] + vocab[b];
    let c = ids.get(merged);
    if (c === undefined) { // two merge paths can spell the same token (HF's trainer reuses its id too)
      c = vocab.length;
      vocab.push(merged);
      ids.set(merged, c);
    }
    merges.push([vocab[a], vocab[b]]);
    // Each affected word's pairs are removed as they were and added as they are now.
    const delta = new Map<number, number>();
    const add = (k: number, d: number): void => void delta.set(k, (delta.get(k) ?? 0) + d);
    for (const w of index.where.get(key)!) {
      const s = symbols[w], out = mergeSymbols(s, a, b, c), n = freq[w];
      if (!out) continue;
      for (let i = 0; i + 1 < s.length; i++) add(s[i] * PAIR + s[i + 1], -n);
      for (let i = 0; i + 1 < out.length; i++) {
        const k = out[i] * PAIR + out[i + 1];
        add(k, n);
        if (out[i] === c || out[i + 1] === c) index.note(k, w);
      }
      symbols[w] = out;
    }
    index.where.delete(key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const n = (index.counts.get(k) ?? 0) + d;
      if (n > 0) index.counts.set(k, n);
      else index.counts.delete(k);
      if (d > 0) heap.push(n, k);
    }
  }
  return { vocab, merges };
}

/**
 * Trains byte-level BPE on `corpus` and returns a complete HF tokenizer.json object: ByteLevel
 * pre-tokenizer (GPT-2 regex) and decoder, the added tokens first, then the 256 bytes, then merges.
 */
export function trainBpe(corpus: string[], options: TrainBpeOptions): Record<string, unknown> {
  const added = [...options.specialTokens, ...(options.addedTokens ?? [])];
  const minVocab = added.length + 256;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < minVocab || options.vocabSize >= PAIR) {
    throw new Error(`trainBpe: vocabSize must be an integer in [${minVocab}, ${PAIR}) (added tokens + 256 bytes), got ${options.vocabSize}`);
  }
  const minFrequency = options.minFrequency ?? 2;
  const { vocab, merges } = learnMerges(countWords(corpus, added), options.vocabSize, added, minFrequency);
  const special = new Set(options.specialTokens);
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: special.has(content),
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
    post_processor: { type: 'ByteLevel', ...byteLevel, trim_offsets: false },
    decoder: { type: 'ByteLevel', ...byteLevel },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      // "a b" strings: every tokenizers version reads them, and byte-level tokens never hold a space.
      merges: merges.map(([x, y]) => `${x} ${y}`),
    },
  };
}
