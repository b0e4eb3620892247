// Parses Python-style calls as BFCL prompts ask for: `f(a=1, b="x")` or `[f(a=1), m.g(b=[1, 2])]`,
// recording spans like json_spans.ts. Literals resolve as BFCL's resolve_ast_by_type does (a bare
// name is its string, a nested keyword call a `{name: args}` dict); arithmetic is not evaluated.
import { defineKey, PyFloat, PyTuple } from './py_value.ts';
import { SyntaxStop, TextCursor, type EntryNode, type Span, type SyntaxFailure, type ValueNode, type ValueOptions } from './json_spans.ts';

export interface PyCallNode {
  name: string;
  nameSpan: Span;
  span: Span;
  /** Keyword arguments in source order; positional ones are ignored, as BFCL does. */
  args: EntryNode[];
  arguments: Record<string, unknown>;
}

export type PyCallsResult = { ok: true; calls: PyCallNode[]; end: number } | { ok: false; error: SyntaxFailure };

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', b: '\b', f: '\f' };

/** True if the text at `start` looks like the beginning of a Python call or call list. */
export function looksLikePythonCall(text: string, start: number): boolean {
  return /^\[?\s*[A-Za-z_][\w.]*\(/.test(text.slice(start, start + 200));
}

/** Parses a call or a bracketed list of calls starting at `start`; `end` is just past it. */
export function parsePythonCalls(text: string, start = 0, options: ValueOptions = {}): PyCallsResult {
  try {
    const p = new PyParser(text, options);
    p.pos = start;
    p.ws();
    const calls: PyCallNode[] = [];
    if (p.text[p.pos] === '[') {
      p.pos++;
      p.ws();
      while (p.text[p.pos] !== ']') {
        calls.push(p.call());
        p.ws();
        if (p.text[p.pos] === ',') {
          p.pos++;
          p.ws();
        } else if (p.text[p.pos] !== ']') p.fail(p.pos >= text.length ? "unexpected end of text, expected ']'" : "expected ',' or ']'");
      }
      p.pos++;
    } else calls.push(p.call());
    return { ok: true, calls, end: p.pos };
  } catch (err) {
    if (err instanceof SyntaxStop) return { ok: false, error: { message: err.message, offset: err.offset } };
    throw err;
  }
}

class PyParser extends TextCursor {

  ident(): string | undefined {
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  dotted(): { name: string; span: Span } {
    const start = this.pos;
    let name = this.ident();
    if (name === undefined) this.fail('expected a function name');
    while (this.text[this.pos] === '.') {
      this.pos++;
      const part = this.ident();
      if (part === undefined) this.fail("expected a name after '.'");
      name += `.${part}`;
    }
    return { name, span: [start, this.pos] };
  }

  call(): PyCallNode {
    const start = this.pos;
    const { name, span: nameSpan } = this.dotted();
    this.ws();
    if (this.text[this.pos] !== '(') this.fail(`expected '(' after ${name}`);
    return this.callArgs(name, nameSpan, start);
  }

  callArgs(name: string, nameSpan: Span, start: number): PyCallNode {
    this.pos++;
    const args: EntryNode[] = [];
    const values: Record<string, unknown> = {};
    this.ws();
    while (this.text[this.pos] !== ')') {
      const save = this.pos;
      const key = this.ident();
      this.ws();
      if (key !== undefined && this.text[this.pos] === '=' && this.text[this.pos + 1] !== '=') {
        this.pos++;
        this.ws();
        const node = this.expr();
        if (Object.hasOwn(values, key)) this.fail(`keyword argument repeated: ${key}`, save);
        defineKey(values, key, node.value);
        args.push({ key, keySpan: [save, save + key.length], node });
      } else {
        this.pos = save;
        this.expr();
      }
      this.ws();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.ws();
      } else if (this.text[this.pos] !== ')') this.fail(this.pos >= this.text.length ? "unexpected end of text, expected ')'" : "expected ',' or ')'");
    }
    this.pos++;
    return { name, nameSpan, span: [start, this.pos], args, arguments: values };
  }

  expr(): ValueNode {
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of text, expected a value');
    if (c === '"' || c === "'") return { value: this.string(), span: [start, this.pos] };
    if (c === '-' || c === '+') {
      this.pos++;
      this.ws();
      const inner = this.expr();
      const v = inner.value;
      const n = v instanceof PyFloat ? v.value : v;
      if (typeof n !== 'number') this.fail('unary sign needs a number', start);
      const signed = c === '-' ? -n : n;
      return { value: v instanceof PyFloat ? new PyFloat(signed) : signed, span: [start, this.pos] };
    }
    if ((c >= '0' && c <= '9') || c === '.') return this.number();
    if (c === '[') return this.sequence(']', start);
    if (c === '(') return this.sequence(')', start);
    if (c === '{') return this.dict(start);
    const { name, span } = this.dotted();
    if (name === 'True' || name === 'False') return { value: name === 'True', span };
    if (name === 'None') return { value: null, span };
    this.ws();
    if (this.text[this.pos] !== '(') return { value: name, span };
    const call = this.callArgs(name, span, start);
    // resolve_ast_by_type: a call with keywords becomes {name: args}, one without its source text.
    const value = call.args.length ? { [name]: call.arguments } : this.text.slice(start, this.pos);
    return { value, span: [start, this.pos] };
  }

  number(): ValueNode {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail('invalid number');
    this.pos += m[0].length;
    const literal = m[0].replace(/_/g, '');
    const n = Number(literal);
    const isFloat = /[.eE]/.test(literal);
    return { value: isFloat ? (this.options.pyNumbers ? new PyFloat(n) : n) : n, span: [start, this.pos] };
  }

  string(): string {
    const start = this.pos;
    const q = this.text[this.pos++];
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string', start);
      this.pos++;
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === 'u' || e === 'x') {
        const len = e === 'u' ? 4 : 2;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`invalid \\${e} escape`, this.pos - 2);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += len;
      } else out += ESCAPES[e] ?? `\\${e}`;
    }
  }

  sequence(close: ']' | ')', start: number): ValueNode {
    this.pos++;
    const items: ValueNode[] = [];
    let sawComma = false;
    this.ws();
    while (this.text[this.pos] !== close) {
      items.push(this.expr());
      this.ws();
      if (this.text[this.pos] === ',') {
        sawComma = true;
        this.pos++;
        this.ws();
      } else if (this.text[this.pos] !== close) this.fail(this.pos >= this.text.length ? `unexpected end of text, expected '${close}'` : `expected ',' or '${close}'`);
    }
    this.pos++;
    const span: Span = [start, this.pos];
    if (close === ')' && items.length === 1 && !sawComma) return { ...items[0], span };
    const values = items.map((n) => n.value);
    const tuple = close === ')' && this.options.pyNumbers;
    return { value: tuple ? new PyTuple(values) : values, span, items };
  }

  dict(start: number): ValueNode {
    this.pos++;
    const value: Record<string, unknown> = {};
    const entries: EntryNode[] = [];
    this.ws();
    while (this.text[this.pos] !== '}') {
      const keyNode = this.expr();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail("expected ':' in dict");
      this.pos++;
      this.ws();
      const node = this.expr();
      const key = String(keyNode.value);
      defineKey(value, key, node.value);
      const quoted = typeof keyNode.value === 'string' && /["']/.test(this.text[keyNode.span[0]]);
      entries.push({ key, keySpan: quoted ? [keyNode.span[0] + 1, keyNode.span[1] - 1] : keyNode.span, node });
      this.ws();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.ws();
      } else if (this.text[this.pos] !== '}') this.fail(this.pos >= this.text.length ? "unexpected end of text, expected '}'" : "expected ',' or '}'");
    }
    this.pos++;
    return { value, span: [start, this.pos], entries };
  }
}
