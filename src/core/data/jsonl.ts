// JSON Lines reading with per-line error reports (file, line, reason): valid lines are kept, bad
// ones reported. Pure text in and out: file access is the CLI's job.

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

/**
 * Parses each non-blank line as JSON and hands it to `convert`, which returns zero or more items or
 * throws FormatError. A JSON syntax error or FormatError becomes a LineError; other errors propagate.
 */
export function parseJsonl<T>(text: string, file: string, convert: (row: unknown, line: number) => T | T[]): ParseReport<T> {
  const out: ParseReport<T> = { items: [], errors: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (err) {
      out.errors.push({ file, line: i + 1, reason: `invalid JSON: ${(err as Error).message}` });
      return;
    }
    try {
      const got = convert(row, i + 1);
      if (Array.isArray(got)) out.items.push(...got);
      else out.items.push(got);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      out.errors.push({ file, line: i + 1, reason: err.message });
    }
  });
  return out;
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
  try {
    return JSON.parse(v);
  } catch (err) {
    throw new FormatError(`${field} is not valid JSON: ${(err as Error).message}`);
  }
}
