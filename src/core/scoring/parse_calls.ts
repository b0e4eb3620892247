// Tolerant parser from raw model text to tool calls, with character spans for the app's highlighting
// and the preference sampler's name/key/value/format token classes. Never throws.
// Accepts: `<tool_call>{json}</tool_call>` (the default chat format), bare JSON (one call or a list),
// and Python-style calls (`f(a=1)`, `[f(a=1), g(b=2)]`); it does not repair malformed text.
import type { Call } from '../data/messages.ts';
import { parseJsonValue, type EntryNode, type Span, type ValueNode, type ValueOptions } from './json_spans.ts';
import { looksLikePythonCall, parsePythonCalls } from './python_calls.ts';

export type { Span } from './json_spans.ts';

export interface ArgSpan {
  key: string;
  /** The key's characters, without quotes. */
  keySpan: Span;
  /** The whole value literal as written (quotes and brackets included: a wrong quote is a wrong type). */
  valueSpan: Span;
}

/** A call found in the text. `span` covers the call itself (the JSON object or `f(...)`), not its tags. */
export interface ParsedCall extends Call {
  span: Span;
  /** The name's characters, without quotes. */
  nameSpan?: Span;
  /** Top-level arguments in source order. */
  args: ArgSpan[];
}

export type FormatErrorKind = 'unclosed_tag' | 'stray_tag' | 'invalid_json' | 'invalid_syntax' | 'bad_shape' | 'no_call';

export interface FormatError {
  kind: FormatErrorKind;
  message: string;
  /** Character offset in the raw text where the problem was found. */
  offset?: number;
}

export interface ParseResult {
  /** Well-formed calls only; a malformed call is reported in `error` and left out. */
  calls: ParsedCall[];
  error?: FormatError;
  /** The non-call content (text outside tags and calls), trimmed. */
  text: string;
}

export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';
/** Ends an assistant turn in the default chat format; anything after it is ignored. */
const END_OF_TURN = '<|im_end|>';

type Found = { ok: true; calls: ParsedCall[]; end: number } | { ok: false; error: FormatError };

export function parseCalls(raw: string, options: ValueOptions = {}): ParseResult {
  const eot = raw.indexOf(END_OF_TURN);
  const text = eot >= 0 ? raw.slice(0, eot) : raw;
  return text.includes(TOOL_CALL_OPEN) || text.includes(TOOL_CALL_CLOSE) ? parseTagged(text, options) : parseBare(text, options);
}

/** True when the result is a format failure, as opposed to calls or deliberate plain text. */
export const isFormatError = (r: ParseResult): boolean => r.error !== undefined && r.error.kind !== 'no_call';

function parseTagged(text: string, options: ValueOptions): ParseResult {
  const calls: ParsedCall[] = [];
  const prose: string[] = [];
  let pos = 0;
  for (;;) {
    const open = text.indexOf(TOOL_CALL_OPEN, pos);
    const strayClose = text.indexOf(TOOL_CALL_CLOSE, pos);
    if (strayClose >= 0 && (open < 0 || strayClose < open)) {
      return fail(calls, prose, text.slice(pos), 'stray_tag', `'${TOOL_CALL_CLOSE}' without an opening '${TOOL_CALL_OPEN}'`, strayClose);
    }
    if (open < 0) break;
    prose.push(text.slice(pos, open));
    const bodyStart = open + TOOL_CALL_OPEN.length;
    const close = text.indexOf(TOOL_CALL_CLOSE, bodyStart);
    if (close < 0) return fail(calls, prose, '', 'unclosed_tag', `'${TOOL_CALL_OPEN}' at offset ${open} is never closed`, open);
    const found = findCalls(text.slice(0, close), skipWs(text, bodyStart), options);
    if (!found.ok) return { calls, error: found.error, text: joinProse(prose) };
    if (found.calls.length === 0) return fail(calls, prose, '', 'bad_shape', 'empty tool call', bodyStart);
    const after = skipWs(text, found.end);
    if (after < close) return fail(calls, prose, '', found.calls.length ? 'invalid_json' : 'bad_shape', 'unexpected text after the call inside the tag', after);
    calls.push(...found.calls);
    pos = close + TOOL_CALL_CLOSE.length;
  }
  prose.push(text.slice(pos));
  return { calls, text: joinProse(prose) };
}

function parseBare(text: string, options: ValueOptions): ParseResult {
  let start = skipWs(text, 0);
  let limit = text.length;
  if (text.startsWith('```', start)) {
    const nl = text.indexOf('\n', start);
    const fenceEnd = text.indexOf('```', start + 3);
    if (nl >= 0 && fenceEnd > nl) {
      start = skipWs(text, nl + 1);
      limit = fenceEnd;
    }
  }
  const c = text[start];
  if (c === '{' || c === '[' || looksLikePythonCall(text, start)) {
    const found = findCalls(text.slice(0, limit), start, options);
    if (!(c !== '{' && c !== '[' && isProse(text, start, limit, found))) {
      if (!found.ok) return { calls: [], error: found.error, text: text.slice(0, start).trim() };
      return { calls: found.calls, text: (text.slice(0, start) + text.slice(found.end)).replace(/```\w*/g, '').trim() };
    }
  }
  // A JSON call inside prose ("Sure: {"name": ...}") is accepted; a Python call inside prose is not.
  const m = /\{\s*"name"\s*:/.exec(text);
  if (m) {
    const found = findCalls(text, m.index, options);
    if (found.ok) return { calls: found.calls, text: (text.slice(0, m.index) + text.slice(found.end)).trim() };
  }
  return { calls: [], error: { kind: 'no_call', message: 'no tool call found' }, text: text.trim() };
}

/**
 * Prose that merely starts like a call ("Paris(France) is lovely", "Note(s) follow") is text, not a
 * broken call: a bare Python-style call counts only if it has a keyword argument or nothing follows it.
 */
function isProse(text: string, start: number, limit: number, found: Found): boolean {
  if (!found.ok) return !/^[\w.]+\(\s*[A-Za-z_]\w*\s*=/.test(text.slice(start, limit));
  return found.calls.every((c) => c.args.length === 0) && text.slice(found.end, limit).trim() !== '';
}

/** One call or a list of calls, JSON or Python-style, starting exactly at `start`. */
function findCalls(text: string, start: number, options: ValueOptions): Found {
  if (looksLikePythonCall(text, start)) {
    const r = parsePythonCalls(text, start, options);
    if (!r.ok) return { ok: false, error: { kind: 'invalid_syntax', message: `invalid call syntax at offset ${r.error.offset}: ${r.error.message}`, offset: r.error.offset } };
    const calls = r.calls.map((c) => ({ name: c.name, arguments: c.arguments, span: c.span, nameSpan: c.nameSpan, args: argSpans(c.args) }));
    return { ok: true, calls, end: r.end };
  }
  const r = parseJsonValue(text, start, options);
  if (!r.ok) return { ok: false, error: { kind: 'invalid_json', message: `invalid JSON at offset ${r.error.offset}: ${r.error.message}`, offset: r.error.offset } };
  const nodes = r.node.items ?? [r.node];
  const calls: ParsedCall[] = [];
  for (const node of nodes) {
    const call = callFromJson(node);
    if (typeof call === 'string') return { ok: false, error: { kind: 'bad_shape', message: call, offset: node.span[0] } };
    calls.push(call);
  }
  return { ok: true, calls, end: r.end };
}

/** `{"name": ..., "arguments": {...}}` ("parameters" also accepted) or BFCL's `{"f": {...}}`; else a reason. */
function callFromJson(node: ValueNode): ParsedCall | string {
  if (!node.entries) return 'a tool call must be a JSON object';
  const name = node.entries.find((e) => e.key === 'name');
  if (name) {
    if (typeof name.node.value !== 'string') return '"name" must be a string';
    const args = node.entries.find((e) => e.key === 'arguments') ?? node.entries.find((e) => e.key === 'parameters');
    if (args && !args.node.entries) return `"${args.key}" must be a JSON object`;
    const [s, e] = name.node.span;
    return {
      name: name.node.value,
      arguments: (args?.node.value as Record<string, unknown>) ?? {},
      span: node.span,
      nameSpan: [s + 1, e - 1],
      args: argSpans(args?.node.entries ?? []),
    };
  }
  if (node.entries.length === 1 && node.entries[0].node.entries) {
    const only = node.entries[0];
    return { name: only.key, arguments: only.node.value as Record<string, unknown>, span: node.span, nameSpan: only.keySpan, args: argSpans(only.node.entries ?? []) };
  }
  return 'a tool call needs a "name"';
}

const argSpans = (entries: EntryNode[]): ArgSpan[] => entries.map((e) => ({ key: e.key, keySpan: e.keySpan, valueSpan: e.node.span }));

function skipWs(text: string, pos: number): number {
  while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  return pos;
}

const joinProse = (parts: string[]): string =>
  parts
    .map((p) => p.trim())
    .filter(Boolean)
    .join('\n');

function fail(calls: ParsedCall[], prose: string[], rest: string, kind: FormatErrorKind, message: string, offset: number): ParseResult {
  return { calls, error: { kind, message, offset }, text: joinProse([...prose, rest]) };
}
