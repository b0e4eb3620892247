// One line of `ttpa score` input -> its ESM line: validates the case shape, then scores the turn.
// Shape: {"id", "tools": [OpenAI tool schemas], "truth": call | [calls] | null, "prediction": text | call | [calls]}.
import type { Call } from '../data/messages.ts';
import type { ToolSchema } from '../tools/schema.ts';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from './config.ts';
import type { CallError } from './errors.ts';
import { scoreTurn, type EsmParts } from './esm.ts';

export interface ScoredCase {
  id: string;
  esm: number;
  parts: EsmParts;
  errors: CallError[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCall = (v: unknown): v is Call => isRecord(v) && typeof v.name === 'string' && (v.arguments === undefined || isRecord(v.arguments));
const normCall = (c: Call): Call => ({ name: c.name, arguments: c.arguments ?? {} });

/** Scores one parsed input line, or returns why it is malformed. */
export function scoreCase(value: unknown, config: ScoringConfig = DEFAULT_SCORING_CONFIG): ScoredCase | { reason: string } {
  if (!isRecord(value)) return { reason: 'expected a JSON object' };
  const { id, tools, truth, prediction } = value;
  if (typeof id !== 'string') return { reason: '"id" must be a string' };
  if (!Array.isArray(tools) || !tools.every((t) => isRecord(t) && isRecord(t.function) && typeof t.function.name === 'string')) {
    return { reason: '"tools" must be a list of {"type": "function", "function": {"name", "parameters"}} schemas' };
  }
  let truthCalls: Call[];
  if (truth === null) truthCalls = [];
  else if (isCall(truth)) truthCalls = [normCall(truth)];
  else if (Array.isArray(truth) && truth.every(isCall)) truthCalls = truth.map(normCall);
  else return { reason: '"truth" must be {"name", "arguments"}, a list of them, or null' };
  let pred: string | Call[];
  if (typeof prediction === 'string') pred = prediction;
  else if (isCall(prediction)) pred = [normCall(prediction)];
  else if (Array.isArray(prediction) && prediction.every(isCall)) pred = prediction.map(normCall);
  else return { reason: '"prediction" must be raw model text or {"name", "arguments"}' };
  const r = scoreTurn(pred, truthCalls, tools as ToolSchema[], config);
  return { id, esm: r.esm, parts: r.parts, errors: r.errors };
}
