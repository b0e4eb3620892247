// The native format: JSONL of Sample objects {id, messages, tools, meta} in the OpenAI/TRL
// conversational form (arguments as objects). Validation here checks structure, not semantics.
import { FormatError, isObject, parseJsonl, type ParseReport } from './jsonl.ts';
import type { Message } from './messages.ts';
import type { Sample, SampleCategory } from './sample.ts';

export const CATEGORIES: readonly SampleCategory[] = ['single', 'multi_step', 'parallel', 'multi_turn', 'irrelevance'];
const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/** Structural problems of one message; empty when valid. */
export function messageErrors(m: unknown, at: string): string[] {
  if (!isObject(m)) return [`${at} must be an object`];
  const errs: string[] = [];
  if (!ROLES.has(m.role as string)) errs.push(`${at}.role must be one of system, user, assistant, tool; got ${JSON.stringify(m.role)}`);
  if (typeof m.content !== 'string') errs.push(`${at}.content must be a string`);
  if (m.tool_calls !== undefined) {
    if (m.role !== 'assistant') errs.push(`${at}.tool_calls is only allowed on assistant messages`);
    if (!Array.isArray(m.tool_calls)) errs.push(`${at}.tool_calls must be an array`);
    else m.tool_calls.forEach((c, j) => {
      if (!isObject(c) || c.type !== 'function' || !isObject(c.function) || typeof c.function.name !== 'string' || !isObject(c.function.arguments)) {
        errs.push(`${at}.tool_calls[${j}] must be {type: 'function', function: {name: string, arguments: object}}`);
      }
    });
  }
  if (m.role === 'tool' && typeof m.name !== 'string') errs.push(`${at}.name (the tool's name) is required on tool messages`);
  return errs;
}

export function toolSchemaErrors(t: unknown, at: string): string[] {
  if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) return [`${at} must be {type: 'function', function: {...}}`];
  const f = t.function;
  const errs: string[] = [];
  if (typeof f.name !== 'string' || !f.name) errs.push(`${at}.function.name must be a non-empty string`);
  if (!isObject(f.parameters) || f.parameters.type !== 'object' || !isObject(f.parameters.properties)) errs.push(`${at}.function.parameters must be an object schema with properties`);
  return errs;
}

/** Every structural problem of a would-be Sample; empty when it is one. */
export function sampleErrors(s: unknown): string[] {
  if (!isObject(s)) return ['sample must be an object'];
  const errs: string[] = [];
  if (typeof s.id !== 'string' || !s.id) errs.push('id must be a non-empty string');
  if (!Array.isArray(s.messages) || s.messages.length === 0) errs.push('messages must be a non-empty array');
  else s.messages.forEach((m, i) => errs.push(...messageErrors(m, `messages[${i}]`)));
  if (!Array.isArray(s.tools)) errs.push('tools must be an array');
  else s.tools.forEach((t, i) => errs.push(...toolSchemaErrors(t, `tools[${i}]`)));
  if (!isObject(s.meta)) errs.push('meta must be an object');
  else {
    if (!CATEGORIES.includes(s.meta.category as SampleCategory)) errs.push(`meta.category must be one of ${CATEGORIES.join(', ')}; got ${JSON.stringify(s.meta.category)}`);
    if (!Array.isArray(s.meta.domains)) errs.push('meta.domains must be an array');
  }
  return errs;
}

export function parseNative(text: string, file: string): ParseReport<Sample> {
  return parseJsonl(text, file, (row) => {
    const errs = sampleErrors(row);
    if (errs.length) throw new FormatError(errs.join('; '));
    return row as Sample;
  });
}

/** Sample category from the shape of a conversation (for importers that do not say). */
export function inferCategory(messages: Message[]): SampleCategory {
  const callTurns = messages.filter((m) => m.tool_calls?.length);
  if (!callTurns.length) return 'irrelevance';
  if (messages.filter((m) => m.role === 'user').length > 1) return 'multi_turn';
  if (callTurns.some((m) => (m.tool_calls?.length ?? 0) > 1)) return 'parallel';
  return callTurns.length > 1 ? 'multi_step' : 'single';
}
