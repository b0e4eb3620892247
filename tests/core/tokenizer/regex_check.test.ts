import { describe, expect, it } from 'vitest';
import { checkTokenizerRegexes, nestedRepetition } from '../../../src/core/tokenizer/regex_check.ts';

describe('backtracking regexes in tokenizer.json', () => {
  it('passes the pre-tokenizer patterns of GPT-2, Llama 3 and Qwen2', () => {
    for (const re of [
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      '(x|y)+', '(ab){2}', '[(+)]+',
    ]) expect(nestedRepetition(re), re).toBeUndefined();
  });

  it('finds a repeated group that repeats inside', () => {
    expect(nestedRepetition('(a+)+b')).toBe('(a+)+');
    expect(nestedRepetition('^(\\w+\\s?)*$')).toBe('(\\w+\\s?)*');
    expect(nestedRepetition('((ab)*)+')).toBe('((ab)*)+');
    expect(nestedRepetition('(?:x(a{2,}))*')).toBe('(?:x(a{2,}))*');
    expect(nestedRepetition('([a-z]+){2,}')).toBe('([a-z]+){2,}');
  });

  it('names the field of the refused pattern anywhere in tokenizer.json', () => {
    const tj = { normalizer: { type: 'Replace', pattern: { Regex: '(a*)*' }, content: '' }, model: { vocab: { '(a*)*': 0 } } };
    expect(() => checkTokenizerRegexes(tj)).toThrow('tokenizer.json: normalizer.pattern.Regex "(a*)*" repeats a group that itself repeats ((a*)*)');
  });
});
