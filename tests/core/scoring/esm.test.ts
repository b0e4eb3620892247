import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/core/data/messages.ts';
import { createRng, type Rng } from '../../../src/core/rng.ts';
import type { JsonSchema, ToolSchema } from '../../../src/core/tools/schema.ts';
import { resolveScoringConfig } from '../../../src/core/scoring/config.ts';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../../src/core/scoring/errors.ts';
import { scoreCall, scoreTurn, weightedEsm } from '../../../src/core/scoring/esm.ts';

const tool = (name: string, properties: Record<string, JsonSchema>, required?: string[]): ToolSchema => ({
  type: 'function',
  function: { name, description: '', parameters: { type: 'object', properties, ...(required ? { required } : {}) } },
});
const TOOLS = [
  tool('weather.get', { city: { type: 'string' }, days: { type: 'integer' }, units: { type: 'string' }, detailed: { type: 'boolean' } }, ['city', 'days']),
  tool('weather.forecast', { city: { type: 'string' }, date: { type: 'string' } }, ['city']),
  tool('time.now', {}, []),
  tool('notes.add', { text: { type: 'string' } }),
];
const TRUTH: Call = { name: 'weather.get', arguments: { city: 'Paris', days: 3 } };
const esmOf = (pred: Call, truth: Call = TRUTH) => scoreCall(pred, truth, TOOLS).esm;
const cats = (pred: Call, truth: Call = TRUTH) => scoreCall(pred, truth, TOOLS).errors.map((e) => e.category);
const get = (args: Record<string, unknown>): Call => ({ name: 'weather.get', arguments: args });

describe('ESM: hand-worked cases (weights 3,3,1,2,2 over 11)', () => {
  it('a perfect call scores 1', () => {
    expect(scoreCall(get({ days: 3, city: 'Paris' }), TRUTH, TOOLS)).toEqual({ esm: 1, parts: { name: 1, required: 1, key: 1, type: 1, value: 1 }, errors: [] });
  });
  it('wrong name: judged on the predicted tool (weather.forecast) schema', () => {
    // name 0; required: forecast requires [city], present -> 1; key: city yes, days no -> 1/2;
    // type: city is a string -> 1/2; value: city and days both equal -> 2/2. (0+3+0.5+1+2)/11 = 6.5/11
    expect(esmOf({ name: 'weather.forecast', arguments: { city: 'Paris', days: 3 } })).toBeCloseTo(6.5 / 11, 12);
    expect(cats({ name: 'weather.forecast', arguments: { city: 'Paris', days: 3 } })).toEqual(['wrong_name', 'unknown_key']);
  });
  it('missing required argument is penalised (the published code looked in the truth: bug fixed)', () => {
    // required 1/2; key 1/max(1,2) = 0.5; type 0.5; value 0.5. (3+1.5+0.5+1+1)/11 = 7/11.
    // The published code would give required 1: (3+3+0.5+1+1)/11 = 8.5/11.
    expect(esmOf(get({ city: 'Paris' }))).toBeCloseTo(7 / 11, 12);
    expect(cats(get({ city: 'Paris' }))).toEqual(['missing_required']);
  });
  it('wrong type: "3" for an integer', () => {
    // key 2/2; type 1/2; value: "3" != 3 and not both strings -> 1/2. (3+3+1+1+1)/11 = 9/11
    expect(esmOf(get({ city: 'Paris', days: '3' }))).toBeCloseTo(9 / 11, 12);
    expect(cats(get({ city: 'Paris', days: '3' }))).toEqual(['wrong_type', 'wrong_value']);
  });
  it('true is not an integer; 3.0 is the integer 3', () => {
    expect(esmOf(get({ city: 'Paris', days: true }))).toBeCloseTo(9 / 11, 12);
    const turn = scoreTurn('<tool_call>{"name": "weather.get", "arguments": {"city": "Paris", "days": 3.0}}</tool_call>', [TRUTH], TOOLS);
    expect(turn.esm).toBe(1);
  });
  it('string equal ignoring case earns 0.5', () => {
    // value (0.5 + 1)/2 = 0.75. (3+3+1+2+1.5)/11 = 10.5/11
    expect(esmOf(get({ city: 'paris', days: 3 }))).toBeCloseTo(10.5 / 11, 12);
  });
  it('substring match earns 0.5', () => {
    expect(esmOf(get({ city: 'Paris, France', days: 3 }))).toBeCloseTo(10.5 / 11, 12);
  });
  it('an empty string is not a substring match', () => {
    // value (0 + 1)/2. (3+3+1+2+1)/11 = 10/11 (unguarded Python would give 10.5/11)
    expect(esmOf(get({ city: '', days: 3 }))).toBeCloseTo(10 / 11, 12);
  });
  it('an extra schema key costs through the max() denominator', () => {
    // key 3/3, type 3/3, value 2/3. (3+3+1+2+4/3)/11 = 31/33
    expect(esmOf(get({ city: 'Paris', days: 3, units: 'metric' }))).toBeCloseTo(31 / 33, 12);
    expect(cats(get({ city: 'Paris', days: 3, units: 'metric' }))).toEqual(['extra_key']);
  });
  it('an unknown key costs key, type and value', () => {
    // key 2/3, type 2/3, value 2/3. (3+3+2/3+4/3+4/3)/11 = 28/33
    expect(esmOf(get({ city: 'Paris', days: 3, foo: 1 }))).toBeCloseTo(28 / 33, 12);
    expect(cats(get({ city: 'Paris', days: 3, foo: 1 }))).toEqual(['unknown_key']);
  });
  it('special cases: empty arguments', () => {
    expect(esmOf({ name: 'time.now', arguments: {} }, { name: 'time.now', arguments: {} })).toBe(1);
    expect(esmOf(get({}))).toBe(0);
    expect(esmOf({ name: 'time.now', arguments: {} }, { name: 'notes.add', arguments: {} })).toBe(0);
    expect(cats(get({}))).toEqual(['missing_required', 'missing_required']);
  });
  it('a name not in the tool list has no schema: only value can score', () => {
    // name 0, required 0, key 0, type 0, value 2/2. 2/11
    expect(esmOf({ name: 'made.up', arguments: { city: 'Paris', days: 3 } })).toBeCloseTo(2 / 11, 12);
  });
  it('a schema without a required list requires nothing', () => {
    // required 1, key 1, type 1, value 0. 9/11
    expect(esmOf({ name: 'notes.add', arguments: { text: 'b' } }, { name: 'notes.add', arguments: { text: 'a' } })).toBeCloseTo(9 / 11, 12);
    // truth empty, prediction not: denominator max(1, 0) = 1, value 0 -> 9/11
    expect(esmOf({ name: 'notes.add', arguments: { text: 'a' } }, { name: 'notes.add', arguments: {} })).toBeCloseTo(9 / 11, 12);
  });
  it('weights are configuration', () => {
    const cfg = resolveScoringConfig({ weights: { name: 1, required: 0, key: 0, type: 0, value: 0 } });
    expect(scoreCall({ name: 'weather.forecast', arguments: { city: 'Paris' } }, TRUTH, TOOLS, cfg).esm).toBe(0);
    expect(scoreCall(get({ city: 'x' }), TRUTH, TOOLS, cfg).esm).toBe(1);
  });
  it('errors carry spans into the raw text', () => {
    const text = '<tool_call>{"name": "weather.get", "arguments": {"city": "Pariss", "days": "3"}}</tool_call>';
    const r = scoreTurn(text, [TRUTH], TOOLS);
    const byCat = Object.fromEntries(r.errors.map((e) => [e.category, text.slice(e.span![0], e.span![1])]));
    expect(byCat).toEqual({ wrong_value: '"3"', wrong_type: '"3"' });
    const at = text.indexOf('"Pariss"');
    expect(r.errors.find((e) => e.param === 'city')).toMatchObject({ category: 'wrong_value', span: [at, at + 8] });
  });
});

describe('ESM: turns with several calls, none, or malformed text', () => {
  const A: Call = { name: 'weather.get', arguments: { city: 'Paris', days: 3 } };
  const B: Call = { name: 'weather.forecast', arguments: { city: 'Rome', date: 'today' } };
  it('parallel calls match in any order', () => {
    expect(scoreTurn([B, A], [A, B], TOOLS).esm).toBe(1);
  });
  it('a missing call costs a full call: sum / max(#pred, #truth)', () => {
    const r = scoreTurn([A], [A, B], TOOLS);
    expect(r.esm).toBe(0.5);
    expect(r.errors.map((e) => e.category)).toEqual(['wrong_count']);
    expect(scoreTurn([A, B, A], [A, B], TOOLS).esm).toBeCloseTo(2 / 3, 12);
  });
  it('pairs by best total, not first come', () => {
    // pred0 = B with a wrong date fits B best; pred1 = A. Greedy in order would still work here, but
    // the exact assignment must give (0.9..+1)/2.
    const Bbad = { name: 'weather.forecast', arguments: { city: 'Rome', date: 'tomorrow' } };
    const r = scoreTurn([Bbad, A], [A, B], TOOLS);
    expect(r.pairs.map((p) => [p.pred, p.truth])).toEqual([[0, 1], [1, 0]]);
    expect(r.esm).toBeCloseTo((scoreCall(Bbad, B, TOOLS).esm + 1) / 2, 12);
  });
  it('parts combine like the score', () => {
    const r = scoreTurn([get({ city: 'Paris' })], [A, B], TOOLS);
    expect(weightedEsm(r.parts, { name: 3, required: 3, key: 1, type: 2, value: 2 })).toBeCloseTo(r.esm, 12);
  });
  it('no call due: plain text scores 1, a call 0 (irrelevance)', () => {
    expect(scoreTurn('The answer is 4.', [], TOOLS).esm).toBe(1);
    const r = scoreTurn('<tool_call>{"name": "time.now", "arguments": {}}</tool_call>', [], TOOLS);
    expect(r.esm).toBe(0);
    expect(r.errors.map((e) => e.category)).toEqual(['irrelevance']);
  });
  it('plain text where a call was due: 0, no_call; malformed: 0, format', () => {
    expect(scoreTurn('Paris is sunny.', [A], TOOLS)).toMatchObject({ esm: 0, errors: [{ category: 'no_call' }] });
    expect(scoreTurn('<tool_call>{"name": "weather.get", "arguments": {"city": "Paris", "days": 3}}', [A], TOOLS)).toMatchObject({ esm: 0, errors: [{ category: 'format' }] });
  });
});

// ---- property tests: random calls from the schema, single perturbations ----
function randomValue(rng: Rng, schema: JsonSchema): unknown {
  switch (schema.type) {
    case 'integer':
      return rng.int(100);
    case 'boolean':
      return rng.next() < 0.5;
    default:
      return `v${rng.int(1000)}x`;
  }
}
function randomCall(rng: Rng): { call: Call; tool: ToolSchema } {
  const t = rng.pick(TOOLS.filter((x) => Object.keys(x.function.parameters.properties).length > 0));
  const p = t.function.parameters;
  const args: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(p.properties)) if (p.required?.includes(k) || rng.next() < 0.5) args[k] = randomValue(rng, s);
  if (Object.keys(args).length === 0) args[Object.keys(p.properties)[0]] = randomValue(rng, Object.values(p.properties)[0]);
  return { call: { name: t.function.name, arguments: args }, tool: t };
}
type Perturb = (c: Call, t: ToolSchema, rng: Rng) => Call | undefined;
const PERTURBATIONS: Record<string, [Perturb, ErrorCategory]> = {
  rename: [(c) => ({ ...c, name: c.name + '_x' }), 'wrong_name'],
  dropRequired: [
    (c, t, rng) => {
      const req = (t.function.parameters.required ?? []).filter((k) => k in c.arguments);
      if (!req.length) return undefined;
      const { [rng.pick(req)]: _, ...rest } = c.arguments;
      return { ...c, arguments: rest };
    },
    'missing_required',
  ],
  dropOptional: [
    (c, t, rng) => {
      const opt = Object.keys(c.arguments).filter((k) => !(t.function.parameters.required ?? []).includes(k));
      if (!opt.length || Object.keys(c.arguments).length < 2) return undefined;
      const { [rng.pick(opt)]: _, ...rest } = c.arguments;
      return { ...c, arguments: rest };
    },
    'missing_key',
  ],
  addUnknown: [(c) => ({ ...c, arguments: { ...c.arguments, zzz: 1 } }), 'unknown_key'],
  addKnown: [
    (c, t, rng) => {
      const absent = Object.entries(t.function.parameters.properties).filter(([k]) => !(k in c.arguments));
      if (!absent.length) return undefined;
      const [k, s] = rng.pick(absent);
      return { ...c, arguments: { ...c.arguments, [k]: randomValue(rng, s) } };
    },
    'extra_key',
  ],
  retype: [
    (c, _t, rng) => {
      const k = rng.pick(Object.keys(c.arguments));
      const v = c.arguments[k];
      return { ...c, arguments: { ...c.arguments, [k]: typeof v === 'string' ? 7 : String(v) } };
    },
    'wrong_type',
  ],
  revalue: [
    (c, _t, rng) => {
      const k = rng.pick(Object.keys(c.arguments));
      const v = c.arguments[k];
      const nv = typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : `${v}`.toUpperCase() + 'q';
      return { ...c, arguments: { ...c.arguments, [k]: nv } };
    },
    'wrong_value',
  ],
};

describe('ESM: properties (seeded)', () => {
  it('the taxonomy is fixed', () => {
    expect(ERROR_CATEGORIES).toEqual(['format', 'no_call', 'irrelevance', 'wrong_name', 'missing_required', 'missing_key', 'unknown_key', 'extra_key', 'wrong_type', 'wrong_value', 'wrong_count']);
  });
  it('perfect predictions score 1; every single perturbation scores below 1 in its category', () => {
    const rng = createRng(1234);
    const applied: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const { call, tool: t } = randomCall(rng);
      const perfect = scoreCall(structuredClone(call), call, TOOLS);
      expect(perfect.esm).toBe(1);
      expect(perfect.errors).toEqual([]);
      for (const [name, [perturb, category]] of Object.entries(PERTURBATIONS)) {
        const bad = perturb(structuredClone(call), t, rng);
        if (!bad) continue;
        applied[name] = (applied[name] ?? 0) + 1;
        const r = scoreCall(bad, call, TOOLS);
        expect(r.esm, `${name} ${JSON.stringify(bad)}`).toBeLessThan(1);
        expect(r.esm).toBeGreaterThanOrEqual(0);
        expect(r.errors.map((e) => e.category), name).toContain(category);
      }
    }
    for (const name of Object.keys(PERTURBATIONS)) expect(applied[name], name).toBeGreaterThan(10);
  });
  it('scores and parts stay in [0, 1] for random pairs of calls', () => {
    const rng = createRng(99);
    for (let i = 0; i < 300; i++) {
      const preds = Array.from({ length: rng.int(3) }, () => randomCall(rng).call);
      const truth = Array.from({ length: rng.int(3) }, () => randomCall(rng).call);
      const r = scoreTurn(preds, truth, TOOLS);
      for (const v of [r.esm, ...Object.values(r.parts)]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-12);
      }
    }
  });
});
