// Surface forms of argument values in questions and their resolution back to values: aliases of
// enum values (units, currencies, modes), number words, date and time phrases, lists. The generator
// writes with these; tests resolve every recorded mention back to its value with the same tables.
import type { Rng } from '../rng.ts';
import { addDays, isoToDay, MONTHS, weekdayOf, WEEKDAYS } from '../tools/dates.ts';
import type { ArgMention } from './sample.ts';

/** Alias groups: value -> surface forms. The first form is the canonical one. */
export const ALIASES: Record<string, Record<string, string[]>> = {
  temp_unit: { c: ['Celsius', 'degrees Celsius', '°C'], f: ['Fahrenheit', 'degrees Fahrenheit', '°F'], k: ['Kelvin', 'kelvins'] },
  length_unit: {
    mm: ['millimeters', 'millimetres', 'mm'], cm: ['centimeters', 'centimetres', 'cm'], m: ['meters', 'metres'], km: ['kilometers', 'kilometres', 'km'],
    in: ['inches'], ft: ['feet', 'ft'], yd: ['yards'], mi: ['miles'],
  },
  mass_unit: { mg: ['milligrams', 'mg'], g: ['grams', 'g'], kg: ['kilograms', 'kilos', 'kg'], oz: ['ounces', 'oz'], lb: ['pounds', 'lbs'] },
  volume_unit: { ml: ['milliliters', 'millilitres', 'ml'], l: ['liters', 'litres'], cup: ['cups'], pint: ['pints'], gal: ['gallons'] },
  currency: {
    USD: ['US dollars', 'dollars', 'USD'], EUR: ['euros', 'EUR'], GBP: ['British pounds', 'pounds sterling', 'GBP'], JPY: ['Japanese yen', 'yen', 'JPY'],
    CHF: ['Swiss francs', 'CHF'], CAD: ['Canadian dollars', 'CAD'], AUD: ['Australian dollars', 'AUD'], CNY: ['Chinese yuan', 'yuan', 'CNY'],
    INR: ['Indian rupees', 'rupees', 'INR'], MXN: ['Mexican pesos', 'MXN'], BRL: ['Brazilian reais', 'reais', 'BRL'], KRW: ['South Korean won', 'won', 'KRW'],
    SEK: ['Swedish kronor', 'SEK'], NOK: ['Norwegian kroner', 'NOK'], ZAR: ['South African rand', 'rand', 'ZAR'], SGD: ['Singapore dollars', 'SGD'],
    NZD: ['New Zealand dollars', 'NZD'], TRY: ['Turkish lira', 'lira', 'TRY'], EGP: ['Egyptian pounds', 'EGP'], PLN: ['Polish zloty', 'zloty', 'PLN'],
  },
  operation: {
    add: ['plus', 'added to', 'combined'], subtract: ['minus', 'take away', 'without'], multiply: ['times', 'multiplied by', 'a day'], divide: ['divided by', 'over', 'per'],
    power: ['to the power of', 'raised to the power'], modulo: ['modulo', 'mod'],
  },
  measure: { mean: ['mean', 'average'], median: ['median'], min: ['minimum', 'smallest value'], max: ['maximum', 'largest value'], sum: ['sum', 'total'], stdev: ['standard deviation'] },
  percent_mode: { increase: ['increased by', 'raised by', 'plus'], decrease: ['decreased by', 'reduced by', 'minus'] },
  case_mode: { upper: ['uppercase', 'upper case', 'all caps'], lower: ['lowercase', 'lower case'], title: ['title case'], reverse: ['reversed', 'backwards'] },
  separator: { '-': ['hyphens', 'dashes'], _: ['underscores'] },
  priority: { low: ['low priority', 'low-priority'], medium: ['medium priority', 'normal priority'], high: ['high priority', 'high-priority', 'urgent'] },
  todo_status: { open: ['open', 'unfinished', 'pending'], done: ['done', 'finished', 'completed'], all: ['all', 'every'] },
  distance_unit: { km: ['kilometers', 'km', 'kilometres'], mi: ['miles'] },
  diet: { vegan: ['vegan'], vegetarian: ['vegetarian', 'meatless'], pescatarian: ['pescatarian'] },
  flag: { true: ['yes'] },
  skip_weekends: { true: ['business days', 'working days', 'weekdays only'] },
  inclusive: { true: ['inclusive', 'counting both days', 'including both dates'] },
  ignore_spaces: { true: ['without spaces', 'ignoring spaces', 'not counting spaces'] },
  in_stock: { true: ['in stock', 'available right now'] },
  country_field: { capital: ['capital'], currency: ['currency'], continent: ['continent'], population_m: ['population'], language: ['language', 'main language'] },
  planet: { mercury: ['Mercury'], venus: ['Venus'], earth: ['Earth'], mars: ['Mars'], jupiter: ['Jupiter'], saturn: ['Saturn'], uranus: ['Uranus'], neptune: ['Neptune'] },
  month: Object.fromEntries(MONTHS.map((m, i) => [String(i + 1), [m]])),
  number: Object.fromEntries(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'].map((w, i) => [String(i), i === 12 ? [w, 'a dozen'] : [w]])),
};

const ALIAS_LOOKUP = new Map<string, Map<string, string>>(
  Object.entries(ALIASES).map(([group, table]) => [group, new Map(Object.entries(table).flatMap(([v, forms]) => forms.map((f) => [f.toLowerCase(), v])))]),
);

/** Parses an alias table key back into its value: numbers and booleans are stored as strings. */
function keyValue(group: string, key: string): unknown {
  if (group === 'number' || group === 'month') return Number(key);
  if (key === 'true') return true;
  return key;
}

export function resolveAlias(group: string, surface: string): unknown {
  const key = ALIAS_LOOKUP.get(group)?.get(surface.toLowerCase());
  return key === undefined ? undefined : keyValue(group, key);
}

/** A surface form of `value` in `group`, chosen at random. */
export function aliasOf(rng: Rng, group: string, value: unknown): string {
  const forms = ALIASES[group]?.[String(value)];
  if (!forms) throw new Error(`no alias for ${group} ${String(value)}`);
  return rng.pick(forms);
}

// ---- dates -------------------------------------------------------------------------------

/** A date phrase for `iso`: absolute (ISO or written out) or, when allowed, relative to `today`. */
export function datePhrase(rng: Rng, iso: string, today: string | undefined): { surface: string; relative: boolean } {
  const delta = today ? isoToDay(iso) - isoToDay(today) : NaN;
  const options: string[] = [];
  if (today) {
    if (delta === 0) options.push('today');
    if (delta === 1) options.push('tomorrow');
    if (delta === -1) options.push('yesterday');
    if (delta >= 2 && delta <= 30) options.push(`in ${delta} days`, `${delta} days from today`);
    if (delta >= 1 && delta <= 7) options.push(`next ${weekdayOf(iso)}`);
  }
  if (options.length && rng.next() < 0.7) return { surface: rng.pick(options), relative: true };
  const [y, m, d] = iso.split('-').map(Number);
  const absolute = [iso, `${MONTHS[m - 1]} ${d}, ${y}`, `${d} ${MONTHS[m - 1]} ${y}`];
  return { surface: rng.pick(absolute), relative: false };
}

/** Resolves a date phrase written by datePhrase; undefined if it is not one. */
export function resolveDate(surface: string, today: string | undefined): string | undefined {
  const s = surface.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  let m = /^([A-Z][a-z]+) (\d{1,2}), (\d{4})$/.exec(s) ?? null;
  if (m) return isoOf(Number(m[3]), MONTHS.indexOf(m[1] as (typeof MONTHS)[number]) + 1, Number(m[2]));
  m = /^(\d{1,2}) ([A-Z][a-z]+) (\d{4})$/.exec(s);
  if (m) return isoOf(Number(m[3]), MONTHS.indexOf(m[2] as (typeof MONTHS)[number]) + 1, Number(m[1]));
  if (!today) return undefined;
  if (s === 'today') return today;
  if (s === 'tomorrow') return addDays(today, 1);
  if (s === 'yesterday') return addDays(today, -1);
  m = /^(?:in (\d+) days|(\d+) days from today)$/.exec(s);
  if (m) return addDays(today, Number(m[1] ?? m[2]));
  m = /^next ([A-Z][a-z]+)$/.exec(s);
  if (m) {
    const target = WEEKDAYS.indexOf(m[1] as (typeof WEEKDAYS)[number]);
    for (let i = 1; i <= 7; i++) if (weekdayOf(addDays(today, i)) === WEEKDAYS[target]) return addDays(today, i);
  }
  return undefined;
}

const isoOf = (y: number, m: number, d: number): string | undefined =>
  m < 1 ? undefined : `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** "Today is 2026-03-14 (Saturday)." */
export const todayLine = (today: string): string => `Today is ${today} (${weekdayOf(today)}).`;

// ---- times and lists -----------------------------------------------------------------------

/** A phrase for a HH:MM time: "14:30", "2:30 pm", "2 pm". */
export function timePhrase(rng: Rng, hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const ampm = h < 12 ? 'am' : 'pm';
  const forms = [hhmm, `${h12}:${String(m).padStart(2, '0')} ${ampm}`];
  if (m === 0) forms.push(`${h12} ${ampm}`, `${h12}${ampm}`);
  return rng.pick(forms);
}

export function resolveTime(surface: string): string | undefined {
  const m = /^(\d{1,2})(?::(\d{2}))?\s?(am|pm)?$/.exec(surface.trim());
  if (!m) return undefined;
  let h = Number(m[1]);
  if (m[3]) h = (h % 12) + (m[3] === 'pm' ? 12 : 0);
  else if (m[2] === undefined) return undefined;
  return `${String(h).padStart(2, '0')}:${m[2] ?? '00'}`;
}

/** "3, 5 and 8" (or with "or" / only commas). */
export function listPhrase(rng: Rng, items: readonly (string | number)[]): string {
  if (items.length === 1) return String(items[0]);
  if (rng.next() < 0.3) return items.join(', ');
  return `${items.slice(0, -1).join(', ')} ${rng.pick(['and', '&'])} ${items[items.length - 1]}`;
}

export function resolveList(surface: string): (string | number)[] {
  return surface.split(/\s*(?:,|\band\b|&)\s*/).filter(Boolean).map((x) => (/^-?\d+(\.\d+)?$/.test(x) ? Number(x) : x));
}

// ---- resolution ------------------------------------------------------------------------------

/** The value a mention's surface denotes (kind 'result' is resolved by the caller from results). */
export function resolveMention(m: ArgMention, today: string | undefined): unknown {
  const s = m.surface ?? '';
  switch (m.kind) {
    case 'literal': return typeof m.value === 'number' ? Number(s) : s;
    case 'alias': return resolveAlias(m.group ?? '', s);
    case 'date': return resolveDate(s, today);
    case 'time': return resolveTime(s);
    case 'list': return resolveList(s).map((x) => (m.group ? resolveAlias(m.group, String(x)) : x));
    default: return undefined;
  }
}
