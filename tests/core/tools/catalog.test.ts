import { describe, expect, it } from 'vitest';
import { createToolContext, DOMAINS, domainOf, executeCall, TOOLS } from '../../../src/core/tools/catalog.ts';
import type { JsonSchema } from '../../../src/core/tools/schema.ts';

const run = (name: string, args: Record<string, unknown>, ctx = createToolContext()) => executeCall({ name, arguments: args }, ctx);
const ok = (name: string, args: Record<string, unknown>, ctx = createToolContext()): unknown => {
  const r = run(name, args, ctx);
  if (!r.ok) throw new Error(r.error);
  return r.result;
};

function schemaKinds(s: JsonSchema, out: Set<string>): void {
  if (s.type) out.add(String(s.type));
  if (s.enum) out.add('enum');
  for (const p of Object.values(s.properties ?? {})) schemaKinds(p, out);
  if (s.items) schemaKinds(s.items, out);
}

describe('tool catalog', () => {
  it('has at least 30 tools over at least 8 domains, unique names, OpenAI-style schemas', () => {
    expect(TOOLS.length).toBeGreaterThanOrEqual(30);
    expect(DOMAINS.length).toBeGreaterThanOrEqual(8);
    expect(new Set(TOOLS.map((t) => t.schema.function.name)).size).toBe(TOOLS.length);
    const kinds = new Set<string>();
    for (const t of TOOLS) {
      expect(t.schema.type).toBe('function');
      expect(t.schema.function.parameters.type).toBe('object');
      for (const r of t.schema.function.parameters.required ?? []) expect(t.schema.function.parameters.properties).toHaveProperty(r);
      schemaKinds(t.schema.function.parameters, kinds);
    }
    for (const k of ['string', 'number', 'integer', 'boolean', 'array', 'object', 'enum']) expect(kinds).toContain(k);
    expect(TOOLS.some((t) => (t.schema.function.parameters.required ?? []).length < Object.keys(t.schema.function.parameters.properties).length)).toBe(true);
    expect(domainOf('convert_currency')).toBe('currency');
    expect(domainOf('nope')).toBe('unknown');
  });

  it('computes hand-checked results', () => {
    expect(ok('calculate', { operation: 'divide', a: 7, b: 2 })).toEqual({ result: 3.5 });
    expect(ok('compute_statistics', { numbers: [1, 2, 3, 10], measures: ['mean', 'median', 'max'] })).toEqual({ mean: 4, median: 2.5, max: 10 });
    expect(ok('percentage', { value: 80, percent: 15, mode: 'increase' })).toEqual({ result: 92 });
    expect(ok('check_prime', { n: 91 })).toEqual({ n: 91, is_prime: false, smallest_divisor: 7 });
    expect(ok('convert_temperature', { value: 100, from_unit: 'c', to_unit: 'f' })).toEqual({ value: 212, unit: 'f' });
    expect(ok('convert_length', { value: 5, from_unit: 'km', to_unit: 'm' })).toEqual({ value: 5000, unit: 'm' });
    expect(ok('convert_mass', { value: 1, from_unit: 'lb', to_unit: 'g' })).toEqual({ value: 453.592, unit: 'g' });
    expect(ok('add_days', { date: '2026-03-14', days: 7 })).toEqual({ date: '2026-03-21', weekday: 'Saturday' });
    expect(ok('add_days', { date: '2026-03-13', days: 1, skip_weekends: true })).toEqual({ date: '2026-03-16', weekday: 'Monday' });
    expect(ok('days_between', { start_date: '2026-01-01', end_date: '2026-03-01' })).toEqual({ days: 59 });
    expect(ok('get_weekday', { date: '2000-01-01' })).toEqual({ date: '2000-01-01', weekday: 'Saturday' });
    expect(ok('month_calendar', { year: 2024, month: 2 })).toEqual({ month: 'February', days: 29, first_weekday: 'Thursday', weekend_days: 8 });
    expect(ok('convert_currency', { amount: 100, from_currency: 'USD', to_currency: 'EUR' })).toEqual({ amount: 92, currency: 'EUR' });
    expect(ok('split_bill', { total: 90, people: 3, tip_percent: 10 })).toEqual({ total_with_tip: 99, per_person: 33 });
    expect(ok('count_text', { text: 'Hi there. Bye!' })).toEqual({ words: 3, characters: 14, sentences: 2 });
    expect(ok('make_slug', { text: 'Hello, World Again', max_words: 2 })).toEqual({ slug: 'hello-world' });
    expect(ok('make_acronym', { text: 'portable network graphics' })).toEqual({ acronym: 'PNG' });
    expect(ok('get_element', { element: 'fe' })).toMatchObject({ name: 'Iron', atomic_number: 26 });
    expect(ok('local_time', { time: '22:30', from_city: 'London', to_city: 'Tokyo' })).toEqual({ time: '07:30', city: 'Tokyo', day_shift: 1, offset_hours: 9 });
    expect((ok('city_distance', { from_city: 'Paris', to_city: 'London' }) as { distance: number }).distance).toBeGreaterThan(330);
    expect(ok('cart_total', { lines: [{ product_id: 'p03', quantity: 2 }, { product_id: 'p15', quantity: 1 }], discount_code: 'SAVE10' })).toEqual({ subtotal: 30, total: 27, currency: 'USD' });
    expect(ok('search_products', { query: 'pan', filters: { in_stock: true } })).toEqual({ products: [] });
  });

  it('keeps planner state per context, deterministically', () => {
    const ctx = createToolContext();
    expect(ok('add_todo', { title: 'buy milk', priority: 'high' }, ctx)).toEqual({ id: 1, title: 'buy milk', open_items: 1 });
    ok('add_todo', { title: 'call mum' }, ctx);
    ok('complete_todo', { id: 1 }, ctx);
    expect(ok('list_todos', {}, ctx)).toEqual({ items: [{ id: 2, title: 'call mum', priority: 'medium', done: false }] });
    expect(ok('list_todos', {}, createToolContext())).toEqual({ items: [] });
    ok('create_event', { title: 'standup', date: '2026-03-16', start_time: '09:00', location: { city: 'Oslo' } }, ctx);
    expect(ok('list_events', { date: '2026-03-16' }, ctx)).toEqual({ date: '2026-03-16', events: [{ event_id: 1, title: 'standup', start_time: '09:00' }] });
  });

  it('returns clear errors instead of throwing', () => {
    expect(run('convert_temperature', { value: 1, from_unit: 'x', to_unit: 'c' })).toEqual({ ok: false, error: "arguments.from_unit must be one of c, f, k; got 'x'" });
    expect(run('nope', {})).toEqual({ ok: false, error: "unknown tool 'nope'" });
    expect(run('get_city_info', { city: 'Atlantis' })).toEqual({ ok: false, error: "unknown city 'Atlantis'" });
    expect(run('add_days', { date: '2026-02-30', days: 1 })).toEqual({ ok: false, error: "'2026-02-30' is not a valid date" });
    expect(run('complete_todo', { id: 3 })).toEqual({ ok: false, error: 'no to-do item with id 3' });
    expect(run('calculate', { operation: 'divide', a: 1, b: 0 })).toEqual({ ok: false, error: 'division by zero' });
  });
});
