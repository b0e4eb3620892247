// BFCL-compatible AST checker for the Python categories (simple_python, multiple, parallel,
// parallel_multiple, irrelevance): a port of gorilla's bfcl_eval ast_checker.py (Apache-2.0),
// first-error-wins, error_type strings verbatim. Values must come from the Python-typed parsers
// (pyNumbers: true) so int/float and list/tuple differ as in Python. Java/JS and the model-specific
// underscore-to-dot name conversion are not ported.
import { isFormatError, parseCalls } from './parse_calls.ts';
import { pyEquals, pyIn, PyFloat, PyTuple, pyType, type PyTypeName } from './py_value.ts';

export const BFCL_CATEGORIES = ['simple_python', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'] as const;
export type BfclCategory = (typeof BFCL_CATEGORIES)[number];

export interface BfclParam {
  type: string;
  items?: { type: string };
  [extra: string]: unknown;
}

/** A function description as BFCL question files give it. */
export interface BfclFunction {
  name: string;
  description?: string;
  parameters: { type: string; properties: Record<string, BfclParam>; required?: string[] };
}

/** `{function name: {param: [acceptable values...]}}`; "" among the values marks the parameter optional. */
export type BfclAnswer = Record<string, Record<string, unknown[]>>;

/** A decoded model call: `{function name: {param: value}}`. */
export type BfclCall = Record<string, Record<string, unknown>>;

export interface BfclVerdict {
  valid: boolean;
  error_type: string | null;
  error: string[];
}

const ok = (): BfclVerdict => ({ valid: true, error_type: null, error: [] });
const bad = (error_type: string, message: string): BfclVerdict => ({ valid: false, error_type, error: [message] });

// PYTHON_TYPE_MAPPING in ast_checker.py: "tuple" is checked as list and "any" as str.
const PYTHON_TYPE_MAPPING: Record<string, PyTypeName> = {
  string: 'str',
  integer: 'int',
  float: 'float',
  boolean: 'bool',
  array: 'list',
  tuple: 'list',
  dict: 'dict',
  any: 'str',
};
const NESTED_TYPE_CHECK = new Set(['array', 'tuple']);

/**
 * Decodes a model result into calls: a raw string is parsed (tags, JSON or Python-style calls;
 * any format failure, plain text included, is a decoder failure), an array must already be
 * `[{name: {args}}]`. Returns the decoded calls, or the error_type of the failure.
 */
export function decodeResult(result: unknown): { calls: BfclCall[] } | { error_type: string; message: string } {
  if (typeof result === 'string') {
    const parsed = parseCalls(result, { pyNumbers: true });
    if (parsed.error) {
      const why = isFormatError(parsed) ? parsed.error.message : 'no function call in the text';
      return { error_type: 'ast_decoder:decoder_failed', message: `Invalid syntax. Failed to decode AST. ${why}` };
    }
    return { calls: parsed.calls.map((c) => ({ [c.name]: c.arguments })) };
  }
  const wellFormed =
    Array.isArray(result) &&
    result.every((item) => pyType(item) === 'dict' && Object.keys(item as object).length === 1 && pyType(Object.values(item as object)[0]) === 'dict');
  if (!wellFormed) return { error_type: 'ast_decoder:decoder_wrong_output_format', message: 'Did not output in the specified format.' };
  return { calls: result as BfclCall[] };
}

/** Checks one BFCL entry end to end, as bfcl_eval's ast_file_runner / relevance_file_runner do. */
export function checkBfclEntry(category: BfclCategory, functions: BfclFunction[], result: unknown, answers: BfclAnswer[] = []): BfclVerdict {
  const decoded = decodeResult(result);
  if (category === 'irrelevance') {
    // is_empty_output: [], [{}] and undecodable output all count as "no call", which is correct here.
    const empty = !('calls' in decoded) || decoded.calls.length === 0 || (decoded.calls.length === 1 && Object.keys(decoded.calls[0]).length === 0);
    return empty ? ok() : bad('irrelevance_error:decoder_success', 'Valid syntax. Successfully decode AST when it should not.');
  }
  if (!('calls' in decoded)) return bad(decoded.error_type, decoded.message);
  if (!answers.length) return bad('missing_answer', `category ${category} needs possible answers`);
  return astChecker(category, functions, decoded.calls, answers);
}

/** ast_checker: dispatch on the category name as BFCL does ("parallel" first, then "multiple"). */
export function astChecker(category: string, functions: BfclFunction[], output: BfclCall[], answers: BfclAnswer[]): BfclVerdict {
  if (category.includes('parallel')) return parallelNoOrder(functions, output, answers);
  if (category.includes('multiple')) {
    if (output.length !== answers.length) return bad('multiple_function_checker:wrong_count', 'Wrong number of functions.');
    return simpleFunctionChecker(findDescription(functions, Object.keys(answers[0])[0]), output[0], answers[0]);
  }
  if (output.length !== 1) return bad('simple_function_checker:wrong_count', 'Wrong number of functions.');
  return simpleFunctionChecker(functions[0], output[0], answers[0]);
}

function findDescription(functions: BfclFunction[], name: string): BfclFunction | undefined {
  return functions.find((f) => f.name === name);
}

/** parallel_function_checker_no_order: each answer takes the first unmatched output call that passes. */
function parallelNoOrder(functions: BfclFunction[], output: BfclCall[], answers: BfclAnswer[]): BfclVerdict {
  if (output.length !== answers.length) return bad('parallel_function_checker_no_order:wrong_count', 'Wrong number of functions.');
  const matched = new Set<number>();
  for (let i = 0; i < answers.length; i++) {
    const description = findDescription(functions, Object.keys(answers[i])[0]);
    let found = false;
    for (let j = 0; j < output.length && !found; j++) {
      if (matched.has(j)) continue;
      if (simpleFunctionChecker(description, output[j], answers[i]).valid) {
        matched.add(j);
        found = true;
      }
    }
    if (!found) {
      return bad('parallel_function_checker_no_order:cannot_find_match', `Could not find a matching function among the model output for index ${i} of possible answers.`);
    }
  }
  return ok();
}

/** simple_function_checker: name, required, then per parameter known/type/value, then missing optional. */
export function simpleFunctionChecker(description: BfclFunction | undefined, output: BfclCall, answer: BfclAnswer): BfclVerdict {
  if (!description) return bad('simple_function_checker:wrong_func_name', 'Function description not found.');
  const possible = Object.values(answer)[0];
  const details = description.parameters?.properties ?? {};
  const required = description.parameters?.required ?? [];
  const name = description.name;
  if (!Object.hasOwn(output, name)) return bad('simple_function_checker:wrong_func_name', `Function name '${name}' not found in model output.`);
  const params = output[name];
  for (const p of required) {
    if (!Object.hasOwn(params, p)) return bad('simple_function_checker:missing_required', `Missing required parameter: '${p}'.`);
  }
  for (const [param, raw] of Object.entries(params)) {
    if (!Object.hasOwn(details, param) || !Object.hasOwn(possible, param)) {
      return bad('simple_function_checker:unexpected_param', `Unexpected parameter: '${param}'.`);
    }
    const typeName = details[param].type;
    const expected = PYTHON_TYPE_MAPPING[typeName];
    if (!expected) return bad('type_error:simple', `Unsupported type ${typeName} for parameter '${param}'.`);
    const nested = NESTED_TYPE_CHECK.has(typeName) ? PYTHON_TYPE_MAPPING[details[param].items?.type ?? ''] : undefined;
    let value = raw;
    if (typeName === 'tuple' && value instanceof PyTuple) value = value.items;
    // Python's auto conversion from int to float.
    if (typeName === 'float' && pyType(value) === 'int') value = new PyFloat(value as number);

    const answers = possible[param];
    const typed = typeChecker(param, value, answers, expected, nested);
    if (!typed.valid) return typed;
    if (!typed.isVariable) {
      let r: BfclVerdict | undefined;
      if (expected === 'dict') r = dictChecker(param, value as Record<string, unknown>, answers);
      else if (expected === 'list' && nested === 'dict') r = listDictChecker(param, value as unknown[], answers);
      else if (expected === 'str') r = stringChecker(param, value as string, answers);
      else if (expected === 'list') r = listChecker(param, value as unknown[], answers);
      if (r) {
        if (!r.valid) return r;
        continue;
      }
    }
    if (!pyIn(value, answers)) return bad('value_error:others', `Invalid value for parameter '${param}': ${show(value)}. Expected one of ${show(answers)}.`);
  }
  for (const [param, answers] of Object.entries(possible)) {
    if (!Object.hasOwn(params, param) && !pyIn('', answers)) {
      return bad('simple_function_checker:missing_optional', `Optional parameter '${param}' not provided and not marked as optional.`);
    }
  }
  return ok();
}

/** The type of the first answer that is not "" (None if all are optional markers). */
function possibleAnswerType(answers: unknown[]): PyTypeName | undefined {
  const first = answers.find((a) => !pyEquals(a, ''));
  return first === undefined ? undefined : pyType(first);
}

/**
 * type_checker: exact Python type match (bool is not int), one level of nested element types,
 * and the "variable" escape: a value of the answers' own type passes (and skips special value checks).
 */
function typeChecker(param: string, value: unknown, answers: unknown[], expected: PyTypeName, nested: PyTypeName | undefined): BfclVerdict & { isVariable: boolean } {
  const answerType = possibleAnswerType(answers);
  const isVariable = answerType !== undefined && answerType !== expected;
  let errorType = 'type_error:simple';
  if (pyType(value) === expected) {
    if (nested === undefined) return { ...ok(), isVariable };
    for (const item of answers) {
      // Each answer that is a list must type-check element-wise; a non-list answer ("") passes as is.
      const passes = !Array.isArray(item) || (value as unknown[]).every((v) => typeChecker(param, v, item, nested, undefined).valid);
      if (passes) return { ...ok(), isVariable };
    }
    errorType = 'type_error:nested';
  }
  if (answerType !== undefined && pyType(value) === answerType) {
    // As in ast_checker.py, a failed nested check falls through here and keeps its error.
    return errorType === 'type_error:nested'
      ? { ...bad(errorType, `Nested type checking failed for parameter '${param}'.`), isVariable: true }
      : { ...ok(), isVariable: true };
  }
  return { ...bad('type_error:simple', `Incorrect type for parameter '${param}'. Expected type ${expected}, got ${pyType(value)}. Parameter value: ${show(value)}.`), isVariable };
}

/** standardize_string: drop spaces and , . / - _ * ^, lower-case, ' -> ". */
export function standardizeString(s: string): string {
  return s.replace(/[ ,./\-_*^]/g, '').toLowerCase().replace(/'/g, '"');
}

function stringChecker(param: string, value: string, answers: unknown[]): BfclVerdict {
  const std = answers.filter((a): a is string => typeof a === 'string').map(standardizeString);
  if (!std.includes(standardizeString(value))) {
    return bad('value_error:string', `Invalid value for parameter '${param}': ${show(value)}. Expected one of ${show(answers)}. Case insensitive.`);
  }
  return ok();
}

const stdItem = (v: unknown): unknown => (typeof v === 'string' ? standardizeString(v) : v);
/** A possible answer as list_checker iterates it (a string iterates by character, "" gives []). */
const asSequence = (a: unknown): unknown[] => (Array.isArray(a) ? a : a instanceof PyTuple ? a.items : typeof a === 'string' ? [...a] : []);

function listChecker(param: string, value: unknown[], answers: unknown[]): BfclVerdict {
  const std = value.map(stdItem);
  if (!answers.some((a) => pyEquals(std, asSequence(a).map(stdItem)))) {
    return bad('value_error:list/tuple', `Invalid value for parameter '${param}': ${show(value)}. Expected one of ${show(answers)}.`);
  }
  return ok();
}

function dictChecker(_param: string, value: Record<string, unknown>, answers: unknown[]): BfclVerdict {
  let result = bad('dict_checker:unclear', '');
  for (const answer of answers) {
    if (pyEquals(answer, '')) continue;
    const possible = (pyType(answer) === 'dict' ? answer : {}) as Record<string, unknown[]>;
    result = checkOneDict(value, possible);
    if (result.valid) return ok();
  }
  return result;
}

function checkOneDict(value: Record<string, unknown>, possible: Record<string, unknown[]>): BfclVerdict {
  for (const [key, v] of Object.entries(value)) {
    if (!Object.hasOwn(possible, key)) return bad('value_error:dict_key', `Unexpected dict key parameter: '${key}'.`);
    const std = stdItem(v);
    const stdAnswers = asSequence(possible[key]).map(stdItem);
    if (!pyIn(std, stdAnswers)) return bad('value_error:dict_value', `Invalid value for parameter '${key}': ${show(v)}. Expected one of ${show(stdAnswers)}.`);
  }
  for (const [key, answers] of Object.entries(possible)) {
    if (!Object.hasOwn(value, key) && !pyIn('', asSequence(answers))) return bad('value_error:dict_key', `Missing dict key parameter: '${key}'.`);
  }
  return ok();
}

function listDictChecker(param: string, value: unknown[], answers: unknown[]): BfclVerdict {
  let result = bad('list_dict_checker:unclear', '');
  for (const answer of answers) {
    const dicts = asSequence(answer);
    if (value.length !== dicts.length) {
      result = bad('value_error:list_dict_count', 'Wrong number of dictionaries in the list.');
      continue;
    }
    let all = true;
    for (let i = 0; i < value.length && all; i++) {
      result = dictChecker(param, (pyType(value[i]) === 'dict' ? value[i] : {}) as Record<string, unknown>, [dicts[i]]);
      all = result.valid;
    }
    if (all) return ok();
  }
  return result;
}

function show(v: unknown): string {
  if (v instanceof PyFloat) return Number.isInteger(v.value) ? `${v.value}.0` : String(v.value);
  if (v instanceof PyTuple) return `(${v.items.map(show).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `'${k}': ${show(x)}`).join(', ')}}`;
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  return String(v);
}
