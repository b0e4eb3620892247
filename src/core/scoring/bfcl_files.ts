// Minimal readers for BFCL v4 question / possible-answer JSONL text, Python-typed (6.0 stays a
// float) for the checker, and the reference prediction built from an answer. No file system here:
// callers pass text. Dataset import for training lives in src/core/data, not here.
import type { BfclAnswer, BfclCall, BfclFunction } from './bfcl_checker.ts';
import { jsonlLines, lineLimitProblem } from '../data/jsonl.ts';
import { parseJsonDocument } from './json_spans.ts';
import { defineKey, pyEquals, pyType } from './py_value.ts';

export interface LineProblem {
  /** 1-based line number. */
  line: number;
  reason: string;
}

export interface JsonLines {
  rows: Array<{ line: number; value: unknown }>;
  problems: LineProblem[];
}

/** Parses JSONL text line by line (the data module's line splitting and limits); bad lines are reported, never thrown. */
export function parseJsonLines(text: string, pyNumbers = false): JsonLines {
  const rows: JsonLines['rows'] = [];
  const problems: LineProblem[] = [];
  for (const { line, text: raw } of jsonlLines(text)) {
    const tooBig = lineLimitProblem(raw);
    if (tooBig) {
      problems.push({ line, reason: tooBig });
      continue;
    }
    const r = parseJsonDocument(raw, { pyNumbers });
    if (r.ok) rows.push({ line, value: r.node.value });
    else problems.push({ line, reason: `invalid JSON at column ${r.error.offset + 1}: ${r.error.message}` });
  }
  return { rows, problems };
}

export interface BfclQuestion {
  id: string;
  functions: BfclFunction[];
}

export interface BfclAnswerEntry {
  id: string;
  groundTruth: BfclAnswer[];
}

export function parseBfclQuestions(text: string): { entries: BfclQuestion[]; problems: LineProblem[] } {
  const { rows, problems } = parseJsonLines(text, true);
  const entries: BfclQuestion[] = [];
  for (const { line, value } of rows) {
    const v = value as { id?: unknown; function?: unknown };
    if (pyType(v) !== 'dict' || typeof v.id !== 'string' || !Array.isArray(v.function)) {
      problems.push({ line, reason: 'expected {"id": string, "function": [...]}' });
      continue;
    }
    entries.push({ id: v.id, functions: v.function as BfclFunction[] });
  }
  return { entries, problems };
}

export function parseBfclAnswers(text: string): { entries: BfclAnswerEntry[]; problems: LineProblem[] } {
  const { rows, problems } = parseJsonLines(text, true);
  const entries: BfclAnswerEntry[] = [];
  for (const { line, value } of rows) {
    const v = value as { id?: unknown; ground_truth?: unknown };
    if (pyType(v) !== 'dict' || typeof v.id !== 'string' || !Array.isArray(v.ground_truth)) {
      problems.push({ line, reason: 'expected {"id": string, "ground_truth": [...]}' });
      continue;
    }
    entries.push({ id: v.id, groundTruth: v.ground_truth as BfclAnswer[] });
  }
  return { entries, problems };
}

/**
 * The ground truth as a prediction: for each parameter the first acceptable value, left out when
 * that value is "" (optional); a required parameter takes its first value that is not "". Dict parameters (and arrays of dicts) hold per-key answer lists,
 * which are resolved the same way, key by key.
 */
export function referenceCalls(answers: BfclAnswer[], functions: BfclFunction[]): BfclCall[] {
  return answers.map((answer) => {
    const [name, params] = Object.entries(answer)[0];
    const fn = functions.find((f) => f.name === name);
    const props = fn?.parameters.properties ?? {};
    const required = fn?.parameters.required ?? [];
    const args: Record<string, unknown> = {};
    for (const [param, values] of Object.entries(params)) {
      const first = required.includes(param) ? (values.find((v) => !pyEquals(v, '')) ?? '') : values[0];
      if (pyEquals(first, '')) continue;
      const type = props[param]?.type;
      const nestedDicts = type === 'array' && props[param]?.items?.type === 'dict';
      const value = type === 'dict' ? firstOfEach(first) : nestedDicts && Array.isArray(first) ? first.map(firstOfEach) : first;
      defineKey(args, param, value);
    }
    return { [name]: args };
  });
}

function firstOfEach(dict: unknown): unknown {
  if (pyType(dict) !== 'dict') return dict;
  const out: Record<string, unknown> = {};
  for (const [k, values] of Object.entries(dict as Record<string, unknown>)) {
    const first = Array.isArray(values) ? values[0] : values;
    if (!pyEquals(first, '')) defineKey(out, k, first);
  }
  return out;
}
