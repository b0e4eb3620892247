// Maps generated tokens onto the parts of a tool call (name, argument key, argument value, format)
// by overlapping their character ranges with parseCalls' spans. Pure; it does not tokenize.
import { parseCalls, type Span } from '../scoring/parse_calls.ts';
import type { SpanType } from './config.ts';

export interface TypedSpan {
  type: Exclude<SpanType, 'format'>;
  span: Span;
}

/** The name, key and value spans of every well-formed call in `text`. */
export function callSpans(text: string): TypedSpan[] {
  const out: TypedSpan[] = [];
  for (const call of parseCalls(text).calls) {
    if (call.nameSpan) out.push({ type: 'name', span: call.nameSpan });
    for (const a of call.args) {
      out.push({ type: 'key', span: a.keySpan });
      out.push({ type: 'value', span: a.valueSpan });
    }
  }
  return out;
}

const PRIORITY: Record<TypedSpan['type'], number> = { name: 0, key: 1, value: 2 };

/** The type of the characters `[start, end)` (an empty range looks at `start`): the first overlapping span by name > key > value, else format. */
export function spanTypeAt(spans: readonly TypedSpan[], start: number, end: number): SpanType {
  const e = Math.max(end, start + 1);
  let best: TypedSpan | undefined;
  for (const s of spans) {
    if (s.span[0] < e && start < s.span[1] && (!best || PRIORITY[s.type] < PRIORITY[best.type])) best = s;
  }
  return best ? best.type : 'format';
}

const commonPrefixLength = (a: string, b: string): number => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

/**
 * One span type per token of `text` (given as `[start, end)` character ranges). Spans come from the
 * text's own calls; where it has none (a malformed call), from the ground-truth rendering for the
 * characters up to where the text departs from it, so the wrong token itself is typed as what it
 * should have been (a name character, a value digit).
 */
export function classifyTokens(text: string, ranges: readonly Span[], truthText?: string): SpanType[] {
  const own = callSpans(text);
  if (own.length > 0 || truthText === undefined) return ranges.map(([s, e]) => spanTypeAt(own, s, e));
  const common = commonPrefixLength(text, truthText);
  const truth = callSpans(truthText);
  return ranges.map(([s, e]) => (s <= common ? spanTypeAt(truth, s, Math.min(e, common + 1)) : 'format'));
}
