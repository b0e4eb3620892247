// Import of xLAM / APIGen function-calling rows: {query, tools, answers}, where tools and answers
// are JSON strings (or already-parsed values). Tool parameters use Python type names
// ("str", "int", "List[int]", "str, optional"); they are mapped to JSON Schema.
import type { JsonSchema, ToolSchema } from '../tools/schema.ts';
import { FormatError, isObject, jsonField, parseJsonl, type ParseReport } from './jsonl.ts';
import type { Message } from './messages.ts';
import { inferCategory } from './native.ts';
import type { Sample } from './sample.ts';

const BASE: Record<string, string> = { str: 'string', string: 'string', int: 'integer', integer: 'integer', float: 'number', number: 'number', bool: 'boolean', boolean: 'boolean', list: 'array', dict: 'object', tuple: 'array', set: 'array' };

/** "List[int], optional" -> {schema: {type: 'array', items: {type: 'integer'}}, optional: true}. */
export function pythonTypeToSchema(type: string): { schema: JsonSchema; optional: boolean } {
  let t = type.trim();
  const optional = /,\s*optional$/i.test(t) || /^Optional\[/.test(t);
  t = t.replace(/,\s*optional$/i, '').replace(/^Optional\[(.*)\]$/, '$1').trim();
  const m = /^(\w+)(?:\[(.*)\])?$/.exec(t);
  if (!m) return { schema: {}, optional };
  const base = BASE[m[1].toLowerCase()];
  if (!base) return { schema: {}, optional };
  const schema: JsonSchema = { type: base };
  if (base === 'array' && m[2] && !m[2].includes(',')) schema.items = pythonTypeToSchema(m[2]).schema;
  return { schema, optional };
}

function toolFromXlam(t: unknown, at: string): ToolSchema {
  if (isObject(t) && t.type === 'function' && isObject(t.function)) return toolFromXlam(t.function, at);
  if (!isObject(t) || typeof t.name !== 'string') throw new FormatError(`${at} must be a tool with a name`);
  const params = t.parameters ?? {};
  if (!isObject(params)) throw new FormatError(`${at}.parameters must be an object`);
  if (params.type === 'object' && isObject(params.properties)) {
    return { type: 'function', function: { name: t.name, description: String(t.description ?? ''), parameters: params as ToolSchema['function']['parameters'] } };
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(params)) {
    if (!isObject(spec)) throw new FormatError(`${at}.parameters.${name} must be an object`);
    const { schema, optional } = pythonTypeToSchema(String(spec.type ?? ''));
    properties[name] = { ...schema, ...(spec.description !== undefined ? { description: String(spec.description) } : {}), ...(spec.default !== undefined && spec.default !== '' ? { default: spec.default } : {}) };
    if (!optional) required.push(name);
  }
  return { type: 'function', function: { name: t.name, description: String(t.description ?? ''), parameters: { type: 'object', properties, required } } };
}

export function importXlam(text: string, file: string): ParseReport<Sample> {
  return parseJsonl(text, file, (row, line): Sample => {
    if (!isObject(row)) throw new FormatError('row must be an object');
    if (typeof row.query !== 'string' || !row.query) throw new FormatError('query must be a non-empty string');
    const rawTools = jsonField(row.tools, 'tools');
    const rawAnswers = jsonField(row.answers, 'answers');
    if (!Array.isArray(rawTools)) throw new FormatError('tools must be a list');
    if (!Array.isArray(rawAnswers)) throw new FormatError('answers must be a list');
    const tools = rawTools.map((t, i) => toolFromXlam(t, `tools[${i}]`));
    const calls = rawAnswers.map((a, i) => {
      if (!isObject(a) || typeof a.name !== 'string') throw new FormatError(`answers[${i}] must be {name, arguments}`);
      const args = jsonField(a.arguments ?? {}, `answers[${i}].arguments`);
      if (!isObject(args)) throw new FormatError(`answers[${i}].arguments must be an object`);
      if (!tools.some((t) => t.function.name === a.name)) throw new FormatError(`answers[${i}] calls '${a.name}', which is not in tools`);
      return { type: 'function' as const, function: { name: a.name, arguments: args } };
    });
    const messages: Message[] = [
      { role: 'user', content: row.query },
      calls.length ? { role: 'assistant', content: '', tool_calls: calls } : { role: 'assistant', content: 'None of the available tools can help with this request.' },
    ];
    const id = row.id !== undefined ? `xlam-${String(row.id)}` : `xlam-line${line}`;
    return { id, messages, tools, meta: { category: inferCategory(messages), domains: [], source: `xlam:${file}:${line}` } };
  });
}
