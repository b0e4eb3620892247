// A strict JSON parser that records the character span of every value and object key, which
// JSON.parse cannot. Values equal JSON.parse's (numbers via Number(literal)); it never throws.
// It does not accept JSON5/relaxed syntax: a malformed document is an error with its offset.
import { defineKey, PyFloat } from './py_value.ts';

/** Half-open `[start, end)` character offsets into the parsed text. */
export type Span = [number, number];

/** A parsed value with its span; objects keep their entries and arrays their items, in source order. */
export interface ValueNode {
  span: Span;
  value: unknown;
  entries?: EntryNode[];
  items?: ValueNode[];
}

export interface EntryNode {
  key: string;
  /** The key's characters without its quotes. */
  keySpan: Span;
  node: ValueNode;
}

export interface SyntaxFailure {
  message: string;
  offset: number;
}

export interface ValueOptions {
  /** Keep float literals (`6.0`, `1e3`) as PyFloat, for the BFCL checker. */
  pyNumbers?: boolean;
}

export type ValueResult = { ok: true; node: ValueNode; end: number } | { ok: false; error: SyntaxFailure };

/** Thrown inside the parsers only; the exported functions turn it into a result. */
export class SyntaxStop extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses one JSON value starting at `start` (leading whitespace allowed); `end` is just past it. */
export function parseJsonValue(text: string, start = 0, options: ValueOptions = {}): ValueResult {
  try {
    const p = new JsonParser(text, options);
    p.pos = start;
    p.ws();
    const node = p.value();
    return { ok: true, node, end: p.pos };
  } catch (err) {
    if (err instanceof SyntaxStop) return { ok: false, error: { message: err.message, offset: err.offset } };
    throw err;
  }
}

/** Parses a whole document (only whitespace may follow the value). */
export function parseJsonDocument(text: string, options: ValueOptions = {}): ValueResult {
  const r = parseJsonValue(text, 0, options);
  if (!r.ok) return r;
  let end = r.end;
  while (end < text.length && ' \t\n\r'.includes(text[end])) end++;
  if (end < text.length) return { ok: false, error: { message: `unexpected '${text[end]}' after the JSON value`, offset: end } };
  return r;
}

/** A cursor over the text with whitespace skipping and positioned failures; the JSON and Python parsers extend it. */
export class TextCursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly options: ValueOptions,
  ) {}

  ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos++;
  }

  fail(message: string, offset = this.pos): never {
    throw new SyntaxStop(message, offset);
  }
}

class JsonParser extends TextCursor {

  value(): ValueNode {
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of text, expected a value');
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') {
      const start = this.pos;
      const value = this.string();
      return { span: [start, this.pos], value };
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { span: [this.pos - word.length, this.pos], value };
      }
    }
    return this.fail(`unexpected '${c}', expected a value`);
  }

  number(): ValueNode {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.text);
    if (!m || m[0] === '-') this.fail('invalid number', start);
    this.pos = start + m[0].length;
    const n = Number(m[0]);
    const isFloat = /[.eE]/.test(m[0]);
    return { span: [start, this.pos], value: this.options.pyNumbers && isFloat ? new PyFloat(n) : n };
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string', start);
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c < ' ') this.fail('control character in string');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1];
      if (e === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        this.pos += 2;
      } else this.fail('invalid escape in string');
    }
  }

  object(): ValueNode {
    const start = this.pos++;
    const value: Record<string, unknown> = {};
    const entries: EntryNode[] = [];
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { span: [start, this.pos], value, entries };
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail(this.pos >= this.text.length ? 'unexpected end of text in object' : 'expected a string key');
      const keyStart = this.pos;
      const key = this.string();
      const keySpan: Span = [keyStart + 1, this.pos - 1];
      this.ws();
      if (this.text[this.pos] !== ':') this.fail("expected ':' after key");
      this.pos++;
      this.ws();
      const node = this.value();
      defineKey(value, key, node.value);
      entries.push({ key, keySpan, node });
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return { span: [start, this.pos], value, entries };
      if (c !== ',') this.fail(c === undefined ? 'unexpected end of text in object' : "expected ',' or '}'", this.pos - 1);
    }
  }

  array(): ValueNode {
    const start = this.pos++;
    const items: ValueNode[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { span: [start, this.pos], value: [], items };
    }
    for (;;) {
      this.ws();
      items.push(this.value());
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return { span: [start, this.pos], value: items.map((n) => n.value), items };
      if (c !== ',') this.fail(c === undefined ? 'unexpected end of text in array' : "expected ',' or ']'", this.pos - 1);
    }
  }
}
