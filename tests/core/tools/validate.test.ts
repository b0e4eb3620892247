import { describe, expect, it } from 'vitest';
import { validateArgs } from '../../../src/core/tools/validate.ts';
import type { JsonSchema } from '../../../src/core/tools/schema.ts';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    unit: { type: 'string', enum: ['c', 'f', 'k'] },
    value: { type: 'number', minimum: -300 },
    n: { type: 'integer' },
    flag: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
    where: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  required: ['unit', 'value'],
};

describe('validateArgs', () => {
  it('accepts valid arguments', () => {
    expect(validateArgs(schema, { unit: 'c', value: 3.5, n: 2, flag: false, tags: ['a'], where: { city: 'Oslo' } })).toEqual([]);
  });
  it('names the path and the allowed values', () => {
    expect(validateArgs(schema, { unit: 'x', value: 1 })).toEqual(["arguments.unit must be one of c, f, k; got 'x'"]);
  });
  it('reports missing, unknown, mistyped and out-of-range values', () => {
    const errs = validateArgs(schema, { value: -400, n: 1.5, flag: 'yes', extra: 1, tags: ['a', 'b', 3], where: {} });
    expect(errs).toEqual([
      'arguments.unit is required',
      'arguments.value must be >= -300; got -400',
      'arguments.n must be an integer; got 1.5',
      "arguments.flag must be a boolean; got 'yes'",
      'arguments.extra is not a parameter of this tool',
      'arguments.tags must have at most 2 items; got 3',
      'arguments.tags[2] must be a string; got 3',
      'arguments.where.city is required',
    ]);
  });
  it('treats true as not a number and not an integer', () => {
    expect(validateArgs(schema, { unit: 'c', value: true })).toEqual(['arguments.value must be a number; got true']);
    expect(validateArgs({ type: 'integer' }, true)).toHaveLength(1);
  });
  it('rejects a non-object argument list', () => {
    expect(validateArgs(schema, [1])).toEqual(['arguments must be an object; got [1]']);
  });
});
