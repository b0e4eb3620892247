// Character classes of raw model text from the parser's spans: which characters are a tool name, an
// argument key, an argument value, call syntax (format) or free text. The preference sampler maps
// token offsets onto these; the app colours them. Tokenisation itself is not done here.
import { parseCalls, TOOL_CALL_CLOSE, TOOL_CALL_OPEN, type ParseResult } from './parse_calls.ts';
import type { Span } from './json_spans.ts';

export type CharClass = 'text' | 'format' | 'name' | 'key' | 'value';

const MARKERS = [TOOL_CALL_OPEN, TOOL_CALL_CLOSE, '<|im_end|>'];
/** When a token covers characters of several classes, the most specific wins. */
const PRIORITY: Record<CharClass, number> = { text: 0, format: 1, value: 2, key: 3, name: 4 };

/**
 * One class per UTF-16 unit of `text`. Tags, the end-of-turn marker and everything inside a call
 * that is not a name, key or value (braces, quotes around keys, commas, "arguments") are format;
 * a value span includes its quotes and brackets (see ParsedCall).
 */
export function charClasses(text: string, parse: ParseResult = parseCalls(text)): CharClass[] {
  const out: CharClass[] = new Array<CharClass>(text.length).fill('text');
  const paint = (span: Span | undefined, cls: CharClass): void => {
    if (span) for (let i = span[0]; i < span[1] && i < text.length; i++) out[i] = cls;
  };
  for (const m of MARKERS) {
    for (let at = text.indexOf(m); at >= 0; at = text.indexOf(m, at + m.length)) paint([at, at + m.length], 'format');
  }
  for (const call of parse.calls) {
    paint(call.span, 'format');
    for (const a of call.args) {
      paint(a.valueSpan, 'value');
      paint(a.keySpan, 'key');
    }
    paint(call.nameSpan, 'name');
  }
  return out;
}

/** The class of a token covering characters [start, end): its most specific character class. */
export function spanClass(classes: readonly CharClass[], start: number, end: number): CharClass {
  let best: CharClass = 'text';
  for (let i = Math.max(0, start); i < end && i < classes.length; i++) if (PRIORITY[classes[i]] > PRIORITY[best]) best = classes[i];
  return best;
}
