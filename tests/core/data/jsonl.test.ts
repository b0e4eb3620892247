import { describe, expect, it } from 'vitest';
import { DEFAULT_JSONL_LIMITS, jsonlLines, lineLimitProblem, parseJsonl, parseNestedJson, readJsonl, throwFirstError } from '../../../src/core/data/jsonl.ts';

describe('the JSONL reader', () => {
  it('drops a BOM and \\r, skips blank lines, keeps 1-based numbers', () => {
    expect(jsonlLines('\uFEFF{"a":1}\r\n\n  \n{"a":2}')).toEqual([{ line: 1, text: '{"a":1}' }, { line: 4, text: '{"a":2}' }]);
  });

  it('refuses deep nesting by a linear scan (brackets inside strings do not count)', () => {
    expect(lineLimitProblem('['.repeat(65) + ']'.repeat(65))).toBe('nested more than 64 levels deep');
    expect(lineLimitProblem('['.repeat(64) + ']'.repeat(64))).toBeUndefined();
    expect(lineLimitProblem(JSON.stringify({ s: '['.repeat(1000) + '\\"[' }))).toBeUndefined();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000); // JSON.parse alone would manage; later recursion would not
    expect(readJsonl(`{"ok": 1}\n${deep}\n{"ok": 2}\n`, 'f.jsonl')).toEqual({
      rows: [{ line: 1, value: { ok: 1 } }, { line: 3, value: { ok: 2 } }],
      errors: [{ file: 'f.jsonl', line: 2, reason: 'nested more than 64 levels deep' }],
    });
  });

  it('refuses a line over the length limit without parsing it', () => {
    const r = readJsonl(`"${'x'.repeat(100)}"\n1\n`, 'f', { ...DEFAULT_JSONL_LIMITS, maxLineChars: 50 });
    expect(r.errors).toEqual([{ file: 'f', line: 1, reason: 'line is 102 characters long, over the limit of 50' }]);
    expect(r.rows).toEqual([{ line: 2, value: 1 }]);
  });

  it('names syntax errors by offset, engine-independently, and keeps going', () => {
    const r = parseJsonl('{"a": 1}\n{"a": oops}\n{"a": 3}\n', 'f', (row) => (row as { a: number }).a);
    expect(r.items).toEqual([1, 3]);
    expect(r.errors).toEqual([{ file: 'f', line: 2, reason: 'not valid JSON at offset 6' }]);
    expect(() => throwFirstError(r.errors)).toThrow('f:2: not valid JSON at offset 6');
  });

  it('applies the same limits to JSON nested inside a field', () => {
    expect(() => parseNestedJson('['.repeat(100), 'arguments')).toThrow('arguments: nested more than 64 levels deep');
  });
});
