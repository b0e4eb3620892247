import { describe, expect, it } from 'vitest';
import { charClasses, spanClass } from '../../../src/core/scoring/span_classes.ts';

const compact = (text: string): string => charClasses(text).map((c) => ({ text: '.', format: 'f', name: 'N', key: 'K', value: 'V' })[c]).join('');

describe('charClasses', () => {
  it('classes every character of a tagged call', () => {
    const text = 'Ok <tool_call>{"name": "f", "arguments": {"a": "x y", "b": [1]}}</tool_call><|im_end|>';
    const c = compact(text);
    expect(c.slice(0, 3)).toBe('...');
    expect(c.slice(3, 14)).toBe('fffffffffff'); // <tool_call>
    expect(text.slice(c.indexOf('N'), c.lastIndexOf('N') + 1)).toBe('f');
    const keys = [...text].filter((_, i) => c[i] === 'K').join('');
    expect(keys).toBe('ab');
    const values = [...text].filter((_, i) => c[i] === 'V').join('');
    expect(values).toBe('"x y"[1]');
    expect(c.endsWith('f'.repeat('}}</tool_call><|im_end|>'.length))).toBe(true);
  });
  it('plain text is all text; spanClass picks the most specific class', () => {
    expect(new Set(charClasses('just words'))).toEqual(new Set(['text']));
    const text = '{"name": "get", "arguments": {"city": "Paris"}}';
    const classes = charClasses(text);
    const at = text.indexOf('get');
    expect(spanClass(classes, at - 1, at + 4)).toBe('name'); // a token like `"get"`
    expect(spanClass(classes, 0, 2)).toBe('format');
    expect(spanClass(classes, text.indexOf('Paris'), text.length)).toBe('value');
  });
});
