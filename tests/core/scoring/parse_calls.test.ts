import { describe, expect, it } from 'vitest';
import { renderAssistantTurn } from '../../../src/core/data/chat_format.ts';
import { toToolCall } from '../../../src/core/data/messages.ts';
import { isFormatError, parseCalls } from '../../../src/core/scoring/parse_calls.ts';
import { PyFloat, PyTuple } from '../../../src/core/scoring/py_value.ts';

const slice = (text: string, span: [number, number] | undefined) => (span ? text.slice(span[0], span[1]) : undefined);

describe('parseCalls: formats', () => {
  it('reads the default chat format with spans for name, keys and values', () => {
    const text = '<tool_call>{"name": "weather.get", "arguments": {"city": "Paris", "days": 3}}</tool_call><|im_end|>';
    const r = parseCalls(text);
    expect(r.error).toBeUndefined();
    expect(r.calls.map(({ name, arguments: a }) => ({ name, a }))).toEqual([{ name: 'weather.get', a: { city: 'Paris', days: 3 } }]);
    const c = r.calls[0];
    expect(slice(text, c.span)).toBe('{"name": "weather.get", "arguments": {"city": "Paris", "days": 3}}');
    expect(slice(text, c.nameSpan)).toBe('weather.get');
    expect(c.args.map((a) => [slice(text, a.keySpan), slice(text, a.valueSpan)])).toEqual([
      ['city', '"Paris"'],
      ['days', '3'],
    ]);
  });

  it('round-trips what chat_format renders, parallel calls and content included', () => {
    const calls = [
      { name: 'a.b', arguments: { x: [1, 2.5, { y: null }], s: 'q"uote\\n' } },
      { name: 'c', arguments: {} },
    ];
    const text = renderAssistantTurn({ role: 'assistant', content: 'Let me check.', tool_calls: calls.map(toToolCall) }, []);
    const r = parseCalls(text);
    expect(r.error).toBeUndefined();
    expect(r.calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(calls);
    expect(r.text).toBe('Let me check.');
  });

  it('reads bare JSON, a JSON list, code fences, "parameters" and BFCL {"f": {...}} objects', () => {
    expect(parseCalls('{"name": "f", "arguments": {"a": 1}}').calls[0].arguments).toEqual({ a: 1 });
    expect(parseCalls('[{"name": "f", "arguments": {}}, {"name": "g", "parameters": {"b": 2}}]').calls.map((c) => c.name)).toEqual(['f', 'g']);
    expect(parseCalls('```json\n{"name": "f", "arguments": {"a": true}}\n```').calls[0].arguments).toEqual({ a: true });
    const bfcl = parseCalls('[{"math.factorial": {"number": 5}}]');
    expect(bfcl.calls[0]).toMatchObject({ name: 'math.factorial', arguments: { number: 5 } });
  });

  it('reads Python-style calls as BFCL writes them', () => {
    const text = '[math.hypot(x=4, y=5.0), g(s=\'it\\\'s\', l=[1, -2], t=(1, 2), d={"k": None}, b=True, n=var)]';
    const r = parseCalls(text);
    expect(r.error).toBeUndefined();
    expect(r.calls.map((c) => [c.name, c.arguments])).toEqual([
      ['math.hypot', { x: 4, y: 5 }],
      ['g', { s: "it's", l: [1, -2], t: [1, 2], d: { k: null }, b: true, n: 'var' }],
    ]);
    expect(slice(text, r.calls[1].args[0].valueSpan)).toBe("'it\\'s'");
    expect(slice(text, r.calls[0].nameSpan)).toBe('math.hypot');
    expect(parseCalls('f(a=1)').calls[0].arguments).toEqual({ a: 1 });
  });

  it('keeps float and tuple literals distinct in pyNumbers mode, for the BFCL checker', () => {
    const py = parseCalls('f(a=6.0, b=6, t=(1, 2))', { pyNumbers: true }).calls[0].arguments;
    expect(py.a).toBeInstanceOf(PyFloat);
    expect(py.b).toBe(6);
    expect(py.t).toBeInstanceOf(PyTuple);
    const js = parseCalls('{"name": "f", "arguments": {"a": 6.0, "b": 1e2}}', { pyNumbers: true }).calls[0].arguments;
    expect(js.a).toEqual(new PyFloat(6));
    expect(js.b).toEqual(new PyFloat(100));
  });

  it('keeps numbers exactly as JSON.parse does', () => {
    for (const lit of ['0', '-0', '1.0', '1e400', '0.1', '123456789012345678901', '-1.5E-7']) {
      const v = parseCalls(`{"name": "f", "arguments": {"x": ${lit}}}`).calls[0].arguments.x;
      expect(Object.is(v, JSON.parse(lit))).toBe(true);
    }
  });

  it('treats __proto__ as a plain key, as JSON.parse does', () => {
    const a = parseCalls('{"name": "f", "arguments": {"__proto__": {"x": 1}}}').calls[0].arguments;
    expect(Object.keys(a)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
  });
});

describe('parseCalls: malformed text never throws and says where', () => {
  it.each([
    ['<tool_call>{"name": "f", "arguments": {}}', 'unclosed_tag', 0],
    ['ok <tool_call>{"name": "f", "arguments": {"a": 1,}}</tool_call>', 'invalid_json', 49],
    ['<tool_call>{"name": "f", "arguments": {"a": 1}</tool_call>', 'invalid_json', 46],
    ['{"name": "f", "arguments": {"a": "x}}', 'invalid_json', 33],
    ['{"name": "f", "arguments": {"a": 01}}', 'invalid_json', 34],
    ['{"name": 3, "arguments": {}}', 'bad_shape', 0],
    ['{"name": "f", "arguments": [1]}', 'bad_shape', 0],
    ['<tool_call>  </tool_call>', 'invalid_json', 13],
    ['{"name": "f"}</tool_call>', 'stray_tag', 13],
    ['f(a=1, b=)', 'invalid_syntax', 9],
    ['[f(a=1), g(b=2)', 'invalid_syntax', 15],
    ['f(a="x)', 'invalid_syntax', 4],
  ])('%j -> %s at %i', (text, kind, offset) => {
    const r = parseCalls(text);
    expect(r.error?.kind).toBe(kind);
    expect(r.error?.offset).toBe(offset);
    expect(r.calls).toEqual([]);
    expect(isFormatError(r)).toBe(true);
  });

  it('reports plain text as no_call, not a format error, and keeps the text', () => {
    const r = parseCalls('I cannot help with that.<|im_end|>');
    expect(r.error?.kind).toBe('no_call');
    expect(isFormatError(r)).toBe(false);
    expect(r.text).toBe('I cannot help with that.');
  });

  it('keeps the well-formed calls before a malformed one', () => {
    const r = parseCalls('<tool_call>{"name": "f", "arguments": {}}</tool_call>\n<tool_call>{"name": "g"');
    expect(r.calls.map((c) => c.name)).toEqual(['f']);
    expect(r.error?.kind).toBe('unclosed_tag');
  });

  it('survives random garbage', () => {
    const pieces = ['<tool_call>', '</tool_call>', '{', '}', '[', ']', '"', ':', ',', 'f(', ')', '=', '1', 'name', ' ', '\\', "'"];
    let seed = 7;
    for (let i = 0; i < 300; i++) {
      let s = '';
      for (let j = 0; j < 12; j++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        s += pieces[seed % pieces.length];
      }
      expect(() => parseCalls(s)).not.toThrow();
    }
  });
});

describe('parseCalls: prose that only looks like a call', () => {
  it.each(['Paris(France) is lovely.', 'Note(s) follow below.', 'Sure (I think) it is sunny.'])('%j is plain text', (text) => {
    const r = parseCalls(text);
    expect(r.error?.kind).toBe('no_call');
    expect(r.text).toBe(text);
  });
  it('a keyword call with trailing text is still a call', () => {
    const r = parseCalls('f(a=1)\nDone.');
    expect(r.calls.map((c) => c.name)).toEqual(['f']);
    expect(r.text).toBe('Done.');
  });
});
