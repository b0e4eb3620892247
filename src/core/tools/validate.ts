// Validates tool-call arguments against a tool's JSON Schema before anything executes.
// Covers the subset our catalog and importers use (types, enum, required, ranges, items, nested
// objects, pattern); it is not a general JSON Schema implementation ($ref, oneOf are ignored).
import type { JsonSchema } from './schema.ts';

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'array': return Array.isArray(v);
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'null': return v === null;
    default: return true; // unknown or absent type: anything goes
  }
}

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/**
 * Returns every violation as a readable message naming the path, e.g.
 * "arguments.unit must be one of c, f, k; got 'x'". An empty list means the arguments are valid.
 * Properties not in the schema are errors unless `additionalProperties` allows them.
 */
export function validateArgs(schema: JsonSchema, args: unknown, path = 'arguments'): string[] {
  const errors: string[] = [];
  check(schema, args, path, errors);
  return errors;
}

function check(schema: JsonSchema, v: unknown, path: string, errors: string[]): void {
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  if (type && !typeOk(type, v)) {
    errors.push(`${path} must be ${article(type)}; got ${show(v)}`);
    return;
  }
  if (schema.enum && !schema.enum.some((e) => e === v)) {
    errors.push(`${path} must be one of ${schema.enum.map(String).join(', ')}; got ${show(v)}`);
    return;
  }
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) errors.push(`${path} must be >= ${schema.minimum}; got ${v}`);
    if (schema.maximum !== undefined && v > schema.maximum) errors.push(`${path} must be <= ${schema.maximum}; got ${v}`);
  }
  if (typeof v === 'string' && typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(v)) {
    errors.push(`${path} must match ${schema.pattern}; got ${show(v)}`);
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) errors.push(`${path} must have at least ${schema.minItems} items; got ${v.length}`);
    if (schema.maxItems !== undefined && v.length > schema.maxItems) errors.push(`${path} must have at most ${schema.maxItems} items; got ${v.length}`);
    if (schema.items) v.forEach((item, i) => check(schema.items as JsonSchema, item, `${path}[${i}]`, errors));
  }
  if (typeOk('object', v) && (type === 'object' || schema.properties)) {
    const obj = v as Record<string, unknown>;
    const props = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      if (obj[key] === undefined) errors.push(`${path}.${key} is required`);
    }
    for (const [key, value] of Object.entries(obj)) {
      const prop = props[key];
      if (prop) check(prop, value, `${path}.${key}`, errors);
      else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties, value, `${path}.${key}`, errors);
      else if (schema.additionalProperties !== true && schema.properties) errors.push(`${path}.${key} is not a parameter of this tool`);
    }
  }
}
