// Import of Hermes / ShareGPT-style function-calling rows: {conversations: [{from, value}]} with
// <tool_call>{"name", "arguments"}</tool_call> in assistant turns, <tool_response> in tool turns,
// and tools either in a `tools` field or as JSON inside <tools>...</tools> in the system prompt.
import type { ToolSchema } from '../tools/schema.ts';
import { FormatError, isObject, jsonField, parseJsonl, parseNestedJson, type ParseReport } from './jsonl.ts';
import type { Message, ToolCall } from './messages.ts';
import { inferCategory, toolSchemaErrors } from './native.ts';
import type { Sample } from './sample.ts';

const ROLE: Record<string, Message['role']> = { system: 'system', human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', tool: 'tool', observation: 'tool', function_response: 'tool' };

function asTool(t: unknown, at: string): ToolSchema {
  const schema = isObject(t) && t.type === 'function' ? t : { type: 'function', function: t };
  const errs = toolSchemaErrors(schema, at);
  if (errs.length) throw new FormatError(errs.join('; '));
  return schema as unknown as ToolSchema;
}

/** Tools from the system prompt's <tools> block: a JSON list, or JSON objects one after another. */
function toolsFromSystem(text: string): unknown[] | undefined {
  // the usual Hermes prompt mentions "<tools></tools> XML tags" before the real block: take the first non-empty one
  const body = [...text.matchAll(/<tools>([\s\S]*?)<\/tools>/g)].map((m) => m[1].trim()).find((b) => b);
  if (!body) return undefined;
  try {
    const v = parseNestedJson(body, '<tools> block');
    return Array.isArray(v) ? v : [v];
  } catch {
    return parseNestedJson(`[${body.replace(/\}\s*\n\s*\{/g, '},{')}]`, '<tools> block') as unknown[];
  }
}

function parseCalls(value: string, at: string): { calls: ToolCall[]; text: string } {
  const calls: ToolCall[] = [];
  const text = value.replace(/<tool_call>([\s\S]*?)<\/tool_call>/g, (_, body: string) => {
    const c = parseNestedJson(body.trim(), `${at}: <tool_call>`);
    if (!isObject(c) || typeof c.name !== 'string') throw new FormatError(`${at}: <tool_call> needs a name`);
    const args = jsonField(c.arguments ?? {}, `${at} arguments`);
    if (!isObject(args)) throw new FormatError(`${at}: <tool_call> arguments must be an object`);
    calls.push({ type: 'function', function: { name: c.name, arguments: args } });
    return '';
  });
  if (/<\/?tool_call>/.test(text)) throw new FormatError(`${at}: unbalanced <tool_call> tags`);
  return { calls, text: text.trim() };
}

export function importHermes(text: string, file: string): ParseReport<Sample> {
  return parseJsonl(text, file, (row, line): Sample => {
    if (!isObject(row)) throw new FormatError('row must be an object');
    const conv = row.conversations ?? row.messages;
    if (!Array.isArray(conv) || !conv.length) throw new FormatError('conversations must be a non-empty list');
    let rawTools: unknown = row.tools !== undefined ? jsonField(row.tools, 'tools') : undefined;
    const messages: Message[] = [];
    let lastCalls: ToolCall[] = [];
    let toolIndex = 0;
    conv.forEach((turn, i) => {
      const at = `conversations[${i}]`;
      if (!isObject(turn)) throw new FormatError(`${at} must be an object`);
      const from = String(turn.from ?? turn.role ?? '');
      const value = turn.value ?? turn.content;
      const role = ROLE[from];
      if (!role) throw new FormatError(`${at}.from '${from}' is not one of ${Object.keys(ROLE).join(', ')}`);
      if (typeof value !== 'string') throw new FormatError(`${at}.value must be a string`);
      if (role === 'system') {
        const found = toolsFromSystem(value);
        if (found) rawTools ??= found;
        else messages.push({ role, content: value });
      } else if (role === 'assistant') {
        const { calls, text } = parseCalls(value, at);
        lastCalls = calls;
        toolIndex = 0;
        messages.push(calls.length ? { role, content: text, tool_calls: calls } : { role, content: text });
      } else if (role === 'tool') {
        const body = value.replace(/<\/?tool_response>/g, '').trim();
        let name = lastCalls[toolIndex]?.function.name;
        try {
          const parsed = parseNestedJson(body, at);
          if (isObject(parsed) && typeof parsed.name === 'string') name = parsed.name;
        } catch { /* plain-text result */ }
        toolIndex++;
        if (!name) throw new FormatError(`${at}: tool response without a preceding call`);
        messages.push({ role, name, content: body });
      } else messages.push({ role, content: value });
    });
    if (!messages.some((m) => m.role === 'user')) throw new FormatError('conversation has no user turn');
    const list = rawTools ?? [];
    if (!Array.isArray(list)) throw new FormatError('tools must be a list');
    const tools = list.map((t, i) => asTool(t, `tools[${i}]`));
    for (const c of messages.flatMap((m) => m.tool_calls ?? [])) {
      if (!tools.some((t) => t.function.name === c.function.name)) throw new FormatError(`call to '${c.function.name}', which is not in the tools`);
    }
    const id = row.id !== undefined ? `hermes-${String(row.id)}` : `hermes-line${line}`;
    return { id, messages, tools, meta: { category: inferCategory(messages), domains: [], source: `hermes:${file}:${line}` } };
  });
}
