// The vocabulary of the question grammar: a Slot is one argument value with the words that state it,
// a Draft is one planned call, an Intent knows how to draw, phrase and answer one tool's calls.
import type { Rng } from '../rng.ts';
import type { ArgMention } from './sample.ts';
import { aliasOf, datePhrase, listPhrase, timePhrase } from './surface.ts';

/** One argument value and how the question states it (or which earlier result it comes from). */
export interface Slot {
  value: unknown;
  kind: ArgMention['kind'];
  surface?: string;
  group?: string;
  from?: { step: number; path: string };
  /** Kind 'scaled': multiple of the same argument in the previous call (step -1). */
  factor?: number;
}

/** One planned call: its arguments, the slot for each argument leaf, and extra template text. */
export interface Draft {
  tool: string;
  args: Record<string, unknown>;
  /** Keyed by argument path ('value', 'filters.max_price', 'items.0.quantity'). */
  slots: Record<string, Slot>;
  /** Template placeholders that are composed text, not single values (e.g. a cart's item list). */
  extra?: Record<string, string>;
}

/** Per-sample drawing state: the fixed "today" and whether a relative date phrase was used. */
export interface DrawEnv {
  today: string;
  relativeDateRate: number;
  usedRelative: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Result = any;

export interface Intent {
  tool: string;
  /** What the tool can do, as a verb phrase ("convert lengths"), for refusals. */
  capability: string;
  /** False for tools whose calls only make sense after others (list_todos on an empty list). */
  standalone?: boolean;
  draw(rng: Rng, env: DrawEnv): Draft;
  /** Clause templates (imperative or wh-question, lower-case start) using {path} placeholders. */
  ask(d: Draft): readonly string[];
  /** Phrases appended to the clause for each optional argument present in the draft. */
  optional?: Record<string, readonly string[]>;
  /** Follow-up turn templates that change one argument ('what about in {to_unit}'). */
  followUp?: Record<string, readonly string[]>;
  /** Numeric arguments a follow-up may scale implicitly ("and twice that amount"). */
  scalable?: readonly string[];
  answer(result: Result, d: Draft): string;
}

// ---- slot builders ----------------------------------------------------------------------------

export const lit = (value: string | number): Slot => ({ value, kind: 'literal', surface: String(value) });
export const alias = (rng: Rng, group: string, value: unknown): Slot => ({ value, kind: 'alias', group, surface: aliasOf(rng, group, value) });
export const aliasAs = (group: string, value: unknown, surface: string): Slot => ({ value, kind: 'alias', group, surface });
export const fromResult = (value: unknown, step: number, path: string): Slot => ({ value, kind: 'result', from: { step, path } });
export const time = (rng: Rng, hhmm: string): Slot => ({ value: hhmm, kind: 'time', surface: timePhrase(rng, hhmm) });
export const list = (rng: Rng, items: (string | number)[], group?: string): Slot => ({
  value: items, kind: 'list', group,
  surface: listPhrase(rng, group ? items.map((x) => aliasOf(rng, group, x)) : items),
});

/** A small whole number, sometimes spelled out ("three"). */
export function count(rng: Rng, n: number): Slot {
  return n <= 12 && rng.next() < 0.3 ? aliasAs('number', n, aliasOf(rng, 'number', n)) : lit(n);
}

export function date(rng: Rng, env: DrawEnv, iso: string): Slot {
  const p = datePhrase(rng, iso, rng.next() < env.relativeDateRate ? env.today : undefined);
  if (p.relative) env.usedRelative = true;
  return { value: iso, kind: 'date', surface: p.surface };
}

/** Builds a Draft from [path, slot] pairs; nested paths build nested argument objects and arrays. */
export function draft(tool: string, entries: [string, Slot | undefined][], extra?: Record<string, string>): Draft {
  const args: Record<string, unknown> = {};
  const slots: Record<string, Slot> = {};
  for (const [path, slot] of entries) {
    if (!slot) continue;
    slots[path] = slot;
    const keys = path.split('.');
    let obj = args as Record<string, unknown>;
    keys.slice(0, -1).forEach((k, i) => {
      if (obj[k] === undefined) obj[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
      obj = obj[k] as Record<string, unknown>;
    });
    obj[keys[keys.length - 1]] = slot.value;
  }
  return { tool, args, slots, extra };
}

/** Picks a random integer in [lo, hi]. */
export const between = (rng: Rng, lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
/** With probability p. */
export const chance = (rng: Rng, p: number): boolean => rng.next() < p;
/** k distinct elements. */
export const sample = <T>(rng: Rng, items: readonly T[], k: number): T[] => rng.shuffle(items).slice(0, k);

/**
 * Fills {name} placeholders from slots' surfaces and extra text; throws on an unknown name.
 * Relative date phrases fix their preposition: "on tomorrow" drops "on", and "in 5 days" after
 * another word becomes "5 days from today" (the slot's surface is updated so mentions stay exact).
 */
export function fill(template: string, lookup: (name: string) => Slot | string | undefined): string {
  const out = template.replace(/\{([\w.]+)\}/g, (_, name: string, offset: number) => {
    const v = lookup(name);
    if (v === undefined) throw new Error(`template '${template}' has no value for {${name}}`);
    if (typeof v === 'string') return v;
    const surface = v.surface ?? '';
    if (v.kind !== 'date' || !/^(today|tomorrow|yesterday|next |in \d|\d+ days from)/.test(surface)) return surface;
    const prev = /(\w+) $/.exec(template.slice(0, offset))?.[1];
    if (prev === 'on' || prev === 'for') return `\u0000${surface}`;
    if (prev && surface.startsWith('in ')) v.surface = `${surface.slice(3)} from today`;
    return v.surface ?? '';
  });
  return out.replace(/\b(on|for) \u0000/g, '');
}
