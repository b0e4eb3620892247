// The one JSON Lines reader of every input: per-line limits (length, nesting depth) checked before
// JSON.parse, a UTF-8 BOM dropped, each bad line reported with file, line and reason while valid
// lines are kept. Pure text in and out: file access is the caller's job.
import { jsonErrorOffset } from '../runtime/file_source.ts';

export interface LineError {
  file: string;
  /** 1-based line number. */
  line: number;
  reason: string;
}

export interface ParseReport<T> {
  items: T[];
  errors: LineError[];
}

/** Thrown by a line converter to reject a line with a reason. */
export class FormatError extends Error {}

/** What one line may cost before it is parsed. */
export interface JsonlLimits {
  /** Longest line in characters (UTF-16 units); longer lines are rejected unread. */
  maxLineChars: number;
  /** Deepest nesting of arrays/objects; deeper lines are rejected before any recursion. */
  maxDepth: number;
}

/** 2 Mi characters per line and 64 levels: far above any real sample (BFCL's longest is ~50 K), far below a crash. */
export const DEFAULT_JSONL_LIMITS: Readonly<JsonlLimits> = Object.freeze({ maxLineChars: 2 * 1024 * 1024, maxDepth: 64 });

/** One non-blank line, its 1-based number and its text without the line break. */
export interface JsonlLine {
  line: number;
  text: string;
}

/** Non-blank lines of JSONL text; a leading UTF-8 BOM and a trailing `\r` per line are dropped. */
export function jsonlLines(text: string): JsonlLine[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: JsonlLine[] = [];
  let start = 0;
  for (let n = 1; start <= body.length; n++) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const raw = body.charCodeAt(end - 1) === 13 ? body.slice(start, end - 1) : body.slice(start, end);
    if (raw.trim()) out.push({ line: n, text: raw });
    start = end + 1;
  }
  return out;
}

/**
 * Why a line is over the limits, or undefined. The depth scan is a linear pass over brackets outside
 * strings, so a line of 3,000 `[` is refused without recursing into it.
 */
export function lineLimitProblem(text: string, limits: JsonlLimits = DEFAULT_JSONL_LIMITS): string | undefined {
  if (text.length > limits.maxLineChars) return `line is ${text.length} characters long, over the limit of ${limits.maxLineChars}`;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limits.maxDepth) return `nested more than ${limits.maxDepth} levels deep`;
    } else if (c === 93 || c === 125) depth--;
  }
  return undefined;
}

/** JSON values of the lines within limits; every other line becomes a LineError. Never throws on content. */
export function readJsonl(text: string, file: string, limits: JsonlLimits = DEFAULT_JSONL_LIMITS): { rows: { line: number; value: unknown }[]; errors: LineError[] } {
  const rows: { line: number; value: unknown }[] = [];
  const errors: LineError[] = [];
  for (const { line, text: raw } of jsonlLines(text)) {
    const problem = lineLimitProblem(raw, limits);
    if (problem) {
      errors.push({ file, line, reason: problem });
      continue;
    }
    try {
      rows.push({ line, value: JSON.parse(raw) });
    } catch {
      errors.push({ file, line, reason: `not valid JSON at offset ${jsonErrorOffset(raw)}` });
    }
  }
  return { rows, errors };
}

/**
 * Parses each non-blank line as JSON and hands it to `convert`, which returns zero or more items or
 * throws FormatError. A line over the limits, a JSON syntax error or a FormatError becomes a
 * LineError; other errors propagate.
 */
export function parseJsonl<T>(text: string, file: string, convert: (row: unknown, line: number) => T | T[], limits?: JsonlLimits): ParseReport<T> {
  const { rows, errors } = readJsonl(text, file, limits);
  const out: ParseReport<T> = { items: [], errors };
  for (const { line, value } of rows) {
    try {
      const got = convert(value, line);
      if (Array.isArray(got)) out.items.push(...got);
      else out.items.push(got);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      out.errors.push({ file, line, reason: err.message });
    }
  }
  out.errors.sort((a, b) => a.line - b.line);
  return out;
}

/** The first error of a report as one thrown message (`file:line: reason (and N more)`), for inputs that must be whole. */
export function throwFirstError(errors: LineError[]): void {
  if (!errors.length) return;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more bad line${errors.length > 2 ? 's' : ''})` : '';
  throw new Error(`${formatLineError(errors[0])}${more}`);
}

export const toJsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');

export const formatLineError = (e: LineError): string => `${e.file}:${e.line}: ${e.reason}`;

/** Narrowing helpers for converters: each throws FormatError naming the field. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function need<T>(ok: boolean, value: T, what: string): T {
  if (!ok) throw new FormatError(what);
  return value;
}
/** Parses a field that may hold JSON text (xLAM's tools/answers) or the value itself. */
export function jsonField(v: unknown, field: string): unknown {
  if (typeof v !== 'string') return v;
  return parseNestedJson(v, field);
}

/** JSON text found inside a line (a string field, a tagged block): the same limits, a FormatError naming `what`. */
export function parseNestedJson(text: string, what: string): unknown {
  const problem = lineLimitProblem(text);
  if (problem) throw new FormatError(`${what}: ${problem.replace(/^line/, 'text')}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}
