// BFCL (Berkeley Function Calling Leaderboard) import and export: question files (nested lists of
// turns, Python-flavoured parameter types) plus possible-answer files. The imported ground-truth
// call takes the FIRST acceptable value of each parameter and omits optional parameters whose first
// acceptable value is "". Scoring against all acceptable values is scoring's job, not this file's.
import type { JsonSchema, ToolSchema } from '../tools/schema.ts';
import { FormatError, isObject, parseJsonl, type LineError, type ParseReport } from './jsonl.ts';
import type { Message, ToolCall } from './messages.ts';
import type { Sample, SampleCategory } from './sample.ts';

const TYPE_MAP: Record<string, string | undefined> = {
  dict: 'object', object: 'object', float: 'number', number: 'number', integer: 'integer', int: 'integer',
  string: 'string', str: 'string', boolean: 'boolean', bool: 'boolean', array: 'array', list: 'array', tuple: 'array', any: undefined,
};

/** Maps a BFCL parameter schema (dict/float/tuple/any...) to JSON Schema; unknown keys are kept except BFCL's `optional`. */
export function bfclToJsonSchema(p: unknown, at = 'parameters'): JsonSchema {
  if (!isObject(p)) throw new FormatError(`${at} must be an object`);
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'optional') continue;
    if (k === 'type') {
      if (typeof v !== 'string' || !(v in TYPE_MAP)) throw new FormatError(`${at}.type ${JSON.stringify(v)} is not a BFCL type`);
      const t = TYPE_MAP[v];
      if (t) out.type = t;
      if (v === 'tuple') out['x-bfcl-type'] = 'tuple';
    } else if (k === 'properties') {
      if (!isObject(v)) throw new FormatError(`${at}.properties must be an object`);
      out.properties = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, bfclToJsonSchema(sub, `${at}.properties.${name}`)]));
    } else if (k === 'items') out.items = bfclToJsonSchema(v, `${at}.items`);
    else out[k] = v;
  }
  return out;
}

const BACK: Record<string, string> = { object: 'dict', number: 'float', integer: 'integer', string: 'string', boolean: 'boolean', array: 'array' };

export function jsonSchemaToBfcl(s: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'x-bfcl-type') continue;
    if (k === 'type') out.type = s['x-bfcl-type'] === 'tuple' ? 'tuple' : BACK[String(v)] ?? String(v);
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, JsonSchema>).map(([n, sub]) => [n, jsonSchemaToBfcl(sub)]));
    else if (k === 'items') out.items = jsonSchemaToBfcl(v as JsonSchema);
    else out[k] = v;
  }
  if (!('type' in out)) out.type = 'any';
  return out;
}

function functionToTool(f: unknown, at: string): ToolSchema {
  if (!isObject(f) || typeof f.name !== 'string') throw new FormatError(`${at} must be a function doc with a name`);
  const params = bfclToJsonSchema(f.parameters ?? { type: 'dict', properties: {} }, `${at}.parameters`);
  if (params.type !== 'object') throw new FormatError(`${at}.parameters.type must be dict`);
  return { type: 'function', function: { name: f.name, description: String(f.description ?? ''), parameters: { ...params, type: 'object', properties: params.properties ?? {} } } };
}

/** First acceptable value; dict values are themselves lists of acceptable values. */
function firstValue(acceptable: unknown): unknown {
  const v = Array.isArray(acceptable) ? acceptable[0] : acceptable;
  if (isObject(v)) return Object.fromEntries(Object.entries(v).filter(([, x]) => !(Array.isArray(x) && x[0] === '')).map(([k, x]) => [k, firstValue(x)]));
  return v;
}

/** The ground truth of one possible-answer line as calls (first acceptable values, "" optionals omitted). */
export function groundTruthCalls(gt: unknown, at = 'ground_truth'): ToolCall[] {
  if (!Array.isArray(gt)) throw new FormatError(`${at} must be a list`);
  return gt.map((entry, i) => {
    if (!isObject(entry) || Object.keys(entry).length !== 1) throw new FormatError(`${at}[${i}] must be {function_name: {param: [acceptable values]}}`);
    const [name, params] = Object.entries(entry)[0];
    if (!isObject(params)) throw new FormatError(`${at}[${i}].${name} must map parameters to lists`);
    const args: Record<string, unknown> = {};
    for (const [k, acc] of Object.entries(params)) {
      if (!Array.isArray(acc) || acc.length === 0) throw new FormatError(`${at}[${i}].${name}.${k} must be a non-empty list of acceptable values`);
      if (acc[0] === '') continue;
      args[k] = firstValue(acc);
    }
    return { type: 'function' as const, function: { name, arguments: args } };
  });
}

export function bfclCategory(id: string): SampleCategory {
  if (id.startsWith('irrelevance')) return 'irrelevance';
  if (id.startsWith('parallel')) return 'parallel';
  return 'single';
}

/** The reply an irrelevance sample expects: no call. */
export const BFCL_NO_CALL_REPLY = 'None of the available functions can help with this request.';

export interface BfclImport extends ParseReport<Sample> {
  /** Raw possible answers by question id, for checkers that need every acceptable value. */
  answers: Map<string, unknown>;
}

/**
 * Imports one BFCL category. `answersText` is required for every category except irrelevance;
 * a question without an answer line (or the reverse) is reported as an error.
 */
export function importBfcl(questionsText: string, questionsFile: string, answersText?: string, answersFile = 'answers'): BfclImport {
  const answers = new Map<string, unknown>();
  const errors: LineError[] = [];
  if (answersText !== undefined) {
    const parsed = parseJsonl(answersText, answersFile, (row) => {
      if (!isObject(row) || typeof row.id !== 'string') throw new FormatError('answer line needs a string id');
      if (!Array.isArray(row.ground_truth)) throw new FormatError('answer line needs a ground_truth list');
      return row as { id: string; ground_truth: unknown };
    });
    errors.push(...parsed.errors);
    for (const a of parsed.items) answers.set(a.id, a.ground_truth);
  }
  const parsed = parseJsonl(questionsText, questionsFile, (row): Sample => {
    if (!isObject(row) || typeof row.id !== 'string') throw new FormatError('question line needs a string id');
    const id = row.id;
    if (!Array.isArray(row.question) || !row.question.every(Array.isArray)) throw new FormatError('question must be a list of turns, each a list of messages');
    if (!Array.isArray(row.function)) throw new FormatError('function must be a list of function docs');
    const tools = row.function.map((f, i) => functionToTool(f, `function[${i}]`));
    const turns = row.question as unknown[][];
    const messages: Message[] = [];
    for (const [t, turn] of turns.entries()) {
      for (const [j, m] of turn.entries()) {
        if (!isObject(m) || typeof m.role !== 'string' || typeof m.content !== 'string') throw new FormatError(`question[${t}][${j}] must be {role, content}`);
        messages.push({ role: m.role as Message['role'], content: m.content });
      }
    }
    const category = bfclCategory(id);
    if (category === 'irrelevance') messages.push({ role: 'assistant', content: BFCL_NO_CALL_REPLY });
    else {
      if (answersText === undefined) throw new FormatError(`${id} needs a possible-answer file (--answers)`);
      if (!answers.has(id)) throw new FormatError(`no possible answer for ${id}`);
      const calls = groundTruthCalls(answers.get(id));
      for (const c of calls) if (!tools.some((t) => t.function.name === c.function.name)) throw new FormatError(`answer calls ${c.function.name}, which ${id} does not offer`);
      messages.push({ role: 'assistant', content: '', tool_calls: calls });
    }
    return { id: `bfcl-${id}`, messages, tools, meta: { category, domains: [], source: `bfcl:${id}` } };
  });
  return { items: parsed.items, errors: [...errors, ...parsed.errors], answers };
}

/** A value as BFCL writes it inside a list of acceptable values: dict values are lists again. */
const encodeAnswer = (v: unknown): unknown => (isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, [encodeAnswer(x)]])) : v);

/** Exports samples as BFCL question and possible-answer lines (each call's values as one-element lists). */
export function exportBfcl(samples: Sample[]): { questions: unknown[]; answers: unknown[] } {
  const questions: unknown[] = [];
  const answers: unknown[] = [];
  for (const s of samples) {
    const id = s.meta.source?.startsWith('bfcl:') ? s.meta.source.slice(5) : s.id;
    const user = s.messages.filter((m) => m.role === 'user' || m.role === 'system').map((m) => ({ role: m.role, content: m.content }));
    questions.push({ id, question: [user], function: s.tools.map((t) => ({ name: t.function.name, description: t.function.description, parameters: jsonSchemaToBfcl(t.function.parameters) })) });
    const calls = s.messages.flatMap((m) => m.tool_calls ?? []);
    if (s.meta.category !== 'irrelevance') answers.push({ id, ground_truth: calls.map((c) => ({ [c.function.name]: Object.fromEntries(Object.entries(c.function.arguments).map(([k, v]) => [k, [encodeAnswer(v)]])) })) });
  }
  return { questions, answers };
}
