import { describe, expect, it } from 'vitest';
import type { Span } from '../../../src/core/scoring/parse_calls.ts';
import { classifyTokens, spanTypeAt, callSpans } from '../../../src/core/preference/spans.ts';

const text = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}</tool_call>';
const at = (s: string, from = 0): Span => {
  const i = text.indexOf(s, from);
  return [i, i + s.length];
};

describe('spans', () => {
  it('types characters as name, key, value or format', () => {
    const spans = callSpans(text);
    expect(spanTypeAt(spans, ...at('get_'))).toBe('name');
    expect(spanTypeAt(spans, ...at('city'))).toBe('key');
    expect(spanTypeAt(spans, ...at('"Paris"'))).toBe('value');
    expect(spanTypeAt(spans, ...at('3}'))).toBe('value');
    expect(spanTypeAt(spans, ...at('{"name'))).toBe('format');
    // a token straddling the quote and the name is a name token
    expect(spanTypeAt(spans, ...at('"get'))).toBe('name');
    expect(spanTypeAt(spans, ...at('</tool_call>'))).toBe('format');
  });

  it('falls back on the ground truth up to where a malformed text departs from it', () => {
    const truth = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>';
    const bad = '<tool_call>{"name": "get_weather", "arguments": {"city": "Par}}</tool_call>';
    const departs = bad.indexOf('}}');
    const ranges: Span[] = [[bad.indexOf('get'), bad.indexOf('get') + 3], [bad.indexOf('Par'), departs], [departs, departs + 2], [bad.length - 5, bad.length]];
    expect(classifyTokens(bad, ranges, truth)).toEqual(['name', 'value', 'value', 'format']);
    expect(classifyTokens(bad, ranges)).toEqual(['format', 'format', 'format', 'format']);
  });
});
