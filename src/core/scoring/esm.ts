// Error-oriented scoring mechanism (ESM, TTPA section 3): a graded [0, 1] score of predicted calls
// against the ground truth, with a categorised error list. Pass/fail checking is bfcl_checker.ts.
//
//   ESM = (3·name + 3·required + 1·key + 2·type + 2·value) / 11     (weights: config.ts)
//
// Port of compute_score in the TTPA code (sampling.py) with one deliberate fix: `required` counts the
// required parameters present in the PREDICTED arguments. The published code looks them up in the
// ground-truth arguments, so a missing required argument was never penalised.
import type { Call } from '../data/messages.ts';
import type { JsonSchema, ToolSchema } from '../tools/schema.ts';
import { DEFAULT_SCORING_CONFIG, type EsmWeights, type ScoringConfig } from './config.ts';
import type { CallError } from './errors.ts';
import { bestAssignment, jsonEqual } from './match.ts';
import { isFormatError, parseCalls, type ParsedCall, type ParseResult } from './parse_calls.ts';

/** The five ESM terms, each in [0, 1]. */
export type EsmParts = EsmWeights;

export interface EsmResult {
  esm: number;
  parts: EsmParts;
  errors: CallError[];
}

const PART_KEYS = ['name', 'required', 'key', 'type', 'value'] as const;
const allParts = (v: number): EsmParts => ({ name: v, required: v, key: v, type: v, value: v });

export function weightedEsm(parts: EsmParts, weights: EsmWeights): number {
  const total = PART_KEYS.reduce((s, k) => s + weights[k], 0);
  return PART_KEYS.reduce((s, k) => s + weights[k] * parts[k], 0) / total;
}

/**
 * Scores one predicted call against one ground-truth call. The schema is the predicted tool's own
 * (as in the TTPA code); a name not in `tools` has none, so its required/key/type terms are 0.
 * Special cases (TTPA code): empty predicted arguments score 1 if the name matches and the truth has
 * no arguments either, else 0. In special cases the parts are all 1 or all 0, so that
 * `esm === weightedEsm(parts)` always holds; `errors` still says what was wrong.
 */
export function scoreCall(pred: Call | ParsedCall, truth: Call, tools: readonly ToolSchema[], config: ScoringConfig = DEFAULT_SCORING_CONFIG): EsmResult {
  const spans = 'args' in pred ? pred : undefined;
  const argSpan = (key: string) => spans?.args.find((a) => a.key === key);
  const errors: CallError[] = [];
  const tool = tools.find((t) => t.function.name === pred.name);
  const schema = tool ? (tool.function.parameters ?? { type: 'object', properties: {} }) : undefined;
  const props = schema?.properties ?? {};
  const required = schema?.required ?? [];
  const predKeys = Object.keys(pred.arguments);
  const truthKeys = Object.keys(truth.arguments);

  const name = pred.name === truth.name ? 1 : 0;
  if (!name) {
    const why = schema ? '' : ' (not in the tool list)';
    errors.push({ category: 'wrong_name', message: `called '${pred.name}'${why}, expected '${truth.name}'`, span: spans?.nameSpan });
  }
  let requiredPresent = 0;
  for (const r of required) {
    if (Object.hasOwn(pred.arguments, r)) requiredPresent++;
    else errors.push({ category: 'missing_required', message: `required parameter '${r}' is missing`, param: r, span: spans?.span });
  }
  for (const k of truthKeys) {
    if (!Object.hasOwn(pred.arguments, k) && !required.includes(k)) {
      errors.push({ category: 'missing_key', message: `argument '${k}' of the ground truth is missing`, param: k, span: spans?.span });
    }
  }
  let key = 0;
  let type = 0;
  let value = 0;
  for (const k of predKeys) {
    const v = pred.arguments[k];
    const at = argSpan(k);
    if (Object.hasOwn(props, k)) {
      key++;
      if (matchesType(v, props[k])) type++;
      else errors.push({ category: 'wrong_type', message: `'${k}' should be ${describeType(props[k])}, got ${jsonTypeOf(v)}`, param: k, span: at?.valueSpan });
    } else {
      errors.push({ category: 'unknown_key', message: `'${k}' is not a parameter of '${pred.name}'`, param: k, span: at?.keySpan });
    }
    if (!Object.hasOwn(truth.arguments, k)) {
      if (Object.hasOwn(props, k)) errors.push({ category: 'extra_key', message: `'${k}' is not in the ground truth`, param: k, span: at?.keySpan });
      continue;
    }
    const credit = valueCredit(v, truth.arguments[k], config);
    value += credit;
    if (credit < 1) {
      const partial = credit > 0 ? ` (partial credit ${credit})` : '';
      errors.push({ category: 'wrong_value', message: `'${k}' is ${JSON.stringify(v)}, expected ${JSON.stringify(truth.arguments[k])}${partial}`, param: k, span: at?.valueSpan });
    }
  }

  if (predKeys.length === 0) {
    const esm = name && truthKeys.length === 0 ? 1 : 0;
    return { esm, parts: allParts(esm), errors };
  }
  const denom = Math.max(predKeys.length, truthKeys.length);
  const parts: EsmParts = {
    name,
    required: !schema ? 0 : required.length ? requiredPresent / required.length : 1,
    key: key / denom,
    type: type / denom,
    value: value / denom,
  };
  return { esm: weightedEsm(parts, config.weights), parts, errors };
}

/** TTPA code: equal -> 1; else for strings, +0.5 if equal ignoring case, +0.5 if one contains the other. */
function valueCredit(pred: unknown, truth: unknown, config: ScoringConfig): number {
  if (jsonEqual(pred, truth)) return 1;
  if (typeof pred !== 'string' || typeof truth !== 'string') return 0;
  let credit = 0;
  if (pred.toLowerCase() === truth.toLowerCase()) credit += config.caseInsensitiveCredit;
  // An empty string is a substring of everything (Python `"" in s`): it earns nothing here.
  if (pred !== '' && truth !== '' && (truth.includes(pred) || pred.includes(truth))) credit += config.substringCredit;
  return Math.min(credit, 1);
}

/**
 * JSON Schema type check (BFCL's Python-flavoured names float/dict/tuple/any accepted too).
 * `true` is not an integer, 3.0 is (JSON.parse cannot tell them apart). No type, or a type name we
 * do not know, accepts any value: scoring must not crash on an unusual schema.
 */
export function matchesType(v: unknown, schema: JsonSchema | undefined): boolean {
  const t = schema?.type as unknown;
  if (Array.isArray(t)) return t.some((x) => matchesType(v, { type: x }));
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
    case 'float':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
    case 'tuple':
      return Array.isArray(v);
    case 'object':
    case 'dict':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'null':
      return v === null;
    default:
      return true;
  }
}

const describeType = (s: JsonSchema): string => (Array.isArray(s.type) ? s.type.join(' or ') : String(s.type));
function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export interface MatchedPair {
  /** Index into the predicted calls. */
  pred: number;
  /** Index into the ground-truth calls. */
  truth: number;
  esm: number;
}

export interface TurnScore extends EsmResult {
  /** Present when the prediction was raw text. */
  parse?: ParseResult;
  predicted: Call[];
  pairs: MatchedPair[];
}

/**
 * Scores a whole turn: any number of predicted calls (raw text is parsed) against any number of
 * ground-truth calls (empty = no call was due).
 * - Calls are paired to maximise the summed ESM (exact assignment, see match.ts); the turn score is
 *   sum(paired ESM) / max(#predicted, #truth), so missing and extra calls each cost a full call.
 *   Parts combine the same way, so the turn still satisfies esm = weightedEsm(parts).
 * - No call due: 1 if no call was made (plain text), else 0 with an `irrelevance` error per call.
 * - A call due but none parsed: 0 with `no_call` (plain text) or `format` (malformed call).
 * - Malformed calls are dropped by the parser (a `format` error); the well-formed ones still count.
 */
export function scoreTurn(prediction: string | Call | readonly Call[], truth: readonly Call[], tools: readonly ToolSchema[], config: ScoringConfig = DEFAULT_SCORING_CONFIG): TurnScore {
  const parse = typeof prediction === 'string' ? parseCalls(prediction) : undefined;
  const predicted: Array<Call | ParsedCall> = parse ? parse.calls : Array.isArray(prediction) ? [...prediction] : [prediction as Call];
  const errors: CallError[] = [];
  if (parse && isFormatError(parse)) {
    errors.push({ category: 'format', message: parse.error!.message, span: parse.error!.offset !== undefined ? [parse.error!.offset, parse.error!.offset] : undefined });
  }
  const zero = (extra: CallError[]): TurnScore => ({ esm: 0, parts: allParts(0), errors: [...errors, ...extra], parse, predicted, pairs: [] });
  if (truth.length === 0) {
    if (predicted.length === 0) return errors.length ? zero([]) : { esm: 1, parts: allParts(1), errors, parse, predicted, pairs: [] };
    return zero(predicted.map((c, i) => ({ category: 'irrelevance', message: `called '${c.name}' where no call was due`, call: i, span: 'span' in c ? c.span : undefined })));
  }
  if (predicted.length === 0) return errors.length ? zero([]) : zero([{ category: 'no_call', message: 'answered in plain text where a tool call was due' }]);

  const results = predicted.map((p) => truth.map((t) => scoreCall(p, t, tools, config)));
  const pairs = bestAssignment(results.map((row) => row.map((r) => r.esm))).map(([i, j]) => ({ pred: i, truth: j, esm: results[i][j].esm }));
  const denom = Math.max(predicted.length, truth.length);
  const parts = allParts(0);
  for (const { pred, truth: j } of pairs) {
    for (const k of PART_KEYS) parts[k] += results[pred][j].parts[k] / denom;
    errors.push(...results[pred][j].errors.map((e) => ({ ...e, call: pred })));
  }
  if (predicted.length !== truth.length) {
    errors.push({ category: 'wrong_count', message: `${predicted.length} call(s) made, ${truth.length} expected` });
  }
  const esm = pairs.reduce((s, p) => s + p.esm, 0) / denom;
  return { esm, parts, errors, parse, predicted, pairs };
}
