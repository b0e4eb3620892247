import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bfclToJsonSchema, exportBfcl, groundTruthCalls, importBfcl } from '../../../src/core/data/bfcl.ts';
import { toJsonl } from '../../../src/core/data/jsonl.ts';
import { BFCL_DIR } from '../../bfcl_dir.ts';

const DIR = BFCL_DIR;
const CATS = ['simple_python', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'] as const;
const load = (c: string) => {
  const q = `${DIR}/BFCL_v4_${c}.json`;
  const a = `${DIR}/possible_answer/BFCL_v4_${c}.json`;
  const answers = c === 'irrelevance' ? undefined : readFileSync(a, 'utf8');
  return { text: readFileSync(q, 'utf8'), q, answers, a };
};
const lineCount = (t: string) => t.split('\n').filter((l) => l.trim()).length;

describe('BFCL import on the real files', () => {
  for (const c of CATS) {
    it(`${c}: every line loads, counts match the file, calls use offered functions`, () => {
      const f = load(c);
      const r = importBfcl(f.text, f.q, f.answers, f.a);
      expect(r.errors).toEqual([]);
      expect(r.items.length).toBe(lineCount(f.text));
      for (const s of r.items) {
        const names = new Set(s.tools.map((t) => t.function.name));
        const calls = s.messages.flatMap((m) => m.tool_calls ?? []);
        for (const call of calls) expect(names.has(call.function.name)).toBe(true);
        if (c === 'irrelevance') expect(calls).toHaveLength(0);
        else expect(calls.length).toBeGreaterThan(0);
        if (c === 'parallel' || c === 'parallel_multiple') expect(s.meta.category).toBe('parallel');
        expect(JSON.stringify(s.tools)).not.toMatch(/"type":"(dict|float|tuple|any)"/);
      }
    });
  }

  it('takes the first acceptable value and omits "" optionals (hand-checked lines)', () => {
    const simple = importBfcl(load('simple_python').text, 'q', load('simple_python').answers).items;
    expect(simple[0].messages[1].tool_calls?.[0].function).toEqual({ name: 'calculate_triangle_area', arguments: { base: 10, height: 5, unit: 'units' } });
    expect(simple[2].messages[1].tool_calls?.[0].function.arguments).toEqual({ x: 4, y: 5 });
    const multiple = importBfcl(load('multiple').text, 'q', load('multiple').answers).items;
    expect(multiple[0].messages[1].tool_calls?.[0].function.arguments).toEqual({ side1: 5, side2: 4, side3: 3 });
    const budget = multiple.find((s) => s.id === 'bfcl-multiple_8');
    expect(budget?.messages[1].tool_calls?.[0].function.arguments.budget).toEqual({ min: 300000, max: 400000 });
    const pm = importBfcl(load('parallel_multiple').text, 'q', load('parallel_multiple').answers).items;
    expect(pm[0].messages[1].tool_calls?.map((t) => t.function.name)).toEqual(['math_toolkit.sum_of_multiples', 'math_toolkit.product_of_primes']);
    expect(groundTruthCalls([{ f: { a: [''], b: ['', 3], c: [[1, 2]] } }])[0].function.arguments).toEqual({ c: [1, 2] });
  });

  it('maps Python-flavoured types to JSON Schema', () => {
    const s = bfclToJsonSchema({ type: 'dict', properties: { a: { type: 'float' }, b: { type: 'tuple', items: { type: 'integer' } }, c: { type: 'any', optional: true }, d: { type: 'dict', properties: { e: { type: 'boolean' } } } }, required: ['a'] });
    expect(s).toEqual({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'array', items: { type: 'integer' }, 'x-bfcl-type': 'tuple' }, c: {}, d: { type: 'object', properties: { e: { type: 'boolean' } } } }, required: ['a'] });
  });

  it('round-trips: import -> export -> import gives the same samples', () => {
    for (const c of CATS) {
      const f = load(c);
      const first = importBfcl(f.text, f.q, f.answers).items;
      const out = exportBfcl(first);
      const again = importBfcl(toJsonl(out.questions), 'q2', c === 'irrelevance' ? undefined : toJsonl(out.answers));
      expect(again.errors).toEqual([]);
      expect(again.items).toEqual(first);
    }
  });

  it('reports malformed lines with file, line and reason, and keeps the valid ones', () => {
    const q = 'tests/fixtures/data/bfcl_broken_questions.json';
    const a = 'tests/fixtures/data/bfcl_broken_answers.json';
    const r = importBfcl(readFileSync(q, 'utf8'), q, readFileSync(a, 'utf8'), a);
    expect(r.items.map((s) => s.id)).toEqual(['bfcl-simple_python_0', 'bfcl-simple_python_3']);
    expect(r.errors.map((e) => [e.file, e.line])).toEqual([[a, 3], [q, 2], [q, 3], [q, 5]]);
    expect(r.errors[0].reason).toMatch(/not valid JSON/);
    expect(r.errors[1].reason).toMatch(/"weird" is not a BFCL type/);
    expect(r.errors[2].reason).toMatch(/list of turns/);
    expect(r.errors[3].reason).toBe('no possible answer for simple_python_4');
  });
});
