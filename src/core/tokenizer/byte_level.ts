// GPT-2's byte-level alphabet and pre-tokenization regex, shared by the BPE trainer and token display.
// Must match @huggingface/tokenizers' ByteLevel pre-tokenizer exactly, or trained merges would not apply.

/** GPT-2 `bytes_to_unicode`: printable bytes map to themselves, the rest to U+0100 onwards. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(printable(b) ? b : 256 + n++);
  return out;
})();

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** GPT-2's split pattern as JavaScript writes it (the `u` flag gives \p classes). */
export const GPT2_SPLIT_REGEX = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();

export function textToByteChars(text: string): string {
  let s = '';
  for (const b of encoder.encode(text)) s += BYTE_TO_CHAR[b];
  return s;
}

/** The bytes a byte-level token string stands for; undefined if it has a char outside the alphabet. */
export function byteCharsToBytes(token: string): Uint8Array | undefined {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

/**
 * Bytes as readable text for display: valid UTF-8 runs decoded, every other byte shown as `\xNN`
 * (a token may hold half a character).
 */
export function displayBytes(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      out += new TextDecoder().decode(bytes.subarray(i, i + len));
      i += len;
    } else {
      out += `\\x${bytes[i].toString(16).toUpperCase().padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** Length of a complete, valid UTF-8 sequence starting at i, or 0. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len === 0 || i + len > b.length) return 0;
  for (let k = 1; k < len; k++) if ((b[i + k] & 0xc0) !== 0x80) return 0;
  if (len > 1) {
    const s = new TextDecoder('utf-8', { fatal: true });
    try {
      s.decode(b.subarray(i, i + len));
    } catch {
      return 0;
    }
  }
  return len;
}
