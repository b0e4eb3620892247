// The executable tool contract and the one entry point that runs a call: validate, then execute.
// Tools are plain deterministic functions of (arguments, context); nothing here evaluates input as code.
import type { Call } from '../data/messages.ts';
import type { ToolSchema } from './schema.ts';
import { validateArgs } from './validate.ts';

/** Per-conversation state for the stateful tools (to-do list, calendar); create one per conversation. */
export interface ToolContext {
  todos: { id: number; title: string; due_date?: string; priority: string; tags: string[]; done: boolean }[];
  events: { event_id: number; title: string; date: string; start_time: string; duration_minutes: number; attendees: string[]; location?: { city: string; room?: string } }[];
  nextTodoId: number;
  nextEventId: number;
}

export function createToolContext(): ToolContext {
  return { todos: [], events: [], nextTodoId: 1, nextEventId: 1 };
}

export interface Tool {
  schema: ToolSchema;
  /** Catalog domain, e.g. 'units' or 'planner'. */
  domain: string;
  /** Runs on arguments that already passed schema validation; throws ToolError on bad input values. */
  execute(args: Record<string, unknown>, ctx: ToolContext): unknown;
}

/** A domain-level failure (unknown city, unknown id); reported as an error result, not a crash. */
export class ToolError extends Error {}

export type ExecResult = { ok: true; result: unknown } | { ok: false; error: string };

/** Validates `call.arguments` against the tool's schema, then executes it. Never throws for bad calls. */
export function executeWith(call: Call, ctx: ToolContext, tools: readonly Tool[]): ExecResult {
  const tool = tools.find((t) => t.schema.function.name === call.name);
  if (!tool) return { ok: false, error: `unknown tool '${call.name}'` };
  const errors = validateArgs(tool.schema.function.parameters, call.arguments);
  if (errors.length) return { ok: false, error: errors.join('; ') };
  try {
    return { ok: true, result: tool.execute(call.arguments, ctx) };
  } catch (err) {
    if (err instanceof ToolError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Builds an OpenAI-style schema; `required` lists the parameters without defaults. */
export function functionSchema(name: string, description: string, properties: ToolSchema['function']['parameters']['properties'], required: string[]): ToolSchema {
  return { type: 'function', function: { name, description, parameters: { type: 'object', properties, required } } };
}

/** Rounds to at most `d` decimals so results stay short and copyable. */
export const roundTo = (x: number, d = 2): number => {
  const f = 10 ** d;
  return Math.round(x * f) / f;
};
