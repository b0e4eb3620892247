// The tool catalog: every executable tool, by domain, plus lookups and the validated call runner.
// Adding a tool means adding it to one domain file; nothing else enumerates tools by hand.
import type { Call } from '../data/messages.ts';
import { CURRENCY_TOOLS } from './currency.ts';
import { DATE_TOOLS } from './dates.ts';
import { GEOGRAPHY_TOOLS } from './geography.ts';
import { KNOWLEDGE_TOOLS } from './knowledge.ts';
import { MATH_TOOLS } from './math_tools.ts';
import { PLANNER_TOOLS } from './planner.ts';
import type { ToolSchema } from './schema.ts';
import { SHOPPING_TOOLS } from './shopping.ts';
import { TEXT_TOOLS } from './text_tools.ts';
import { executeWith, type ExecResult, type Tool, type ToolContext } from './tool.ts';
import { UNIT_TOOLS } from './units.ts';

export type { ExecResult, Tool, ToolContext } from './tool.ts';
export { createToolContext, ToolError } from './tool.ts';

export const TOOLS: readonly Tool[] = Object.freeze([
  ...MATH_TOOLS, ...UNIT_TOOLS, ...DATE_TOOLS, ...CURRENCY_TOOLS, ...TEXT_TOOLS,
  ...KNOWLEDGE_TOOLS, ...GEOGRAPHY_TOOLS, ...PLANNER_TOOLS, ...SHOPPING_TOOLS,
]);

const BY_NAME = new Map(TOOLS.map((t) => [t.schema.function.name, t]));

export function getTool(name: string): Tool {
  const t = BY_NAME.get(name);
  if (!t) throw new Error(`unknown tool '${name}'`);
  return t;
}

/** The domain of a catalog tool ('math', 'units', ...); 'unknown' for names outside the catalog. */
export const domainOf = (toolName: string): string => BY_NAME.get(toolName)?.domain ?? 'unknown';

export const toolSchemas = (names: readonly string[]): ToolSchema[] => names.map((n) => getTool(n).schema);

export const DOMAINS: readonly string[] = [...new Set(TOOLS.map((t) => t.domain))];

/** Validates the arguments against the schema, then executes: `{ok, result}` or `{ok: false, error}`. */
export function executeCall(call: Call, ctx: ToolContext, tools: readonly Tool[] = TOOLS): ExecResult {
  return executeWith(call, ctx, tools);
}
