// Question grammar for the numeric tools: math, units, currency, dates, text. Each intent draws
// copyable values (integers, short decimals) and states every one of them in the question.
import { addDays } from '../tools/dates.ts';
import { CURRENCIES } from '../tools/currency.ts';
import { LENGTH_M, MASS_G, VOLUME_L } from '../tools/units.ts';
import type { Rng } from '../rng.ts';
import { alias, between, chance, count, date, draft, lit, list, sample, type DrawEnv, type Intent } from './intent.ts';

const OPS = ['add', 'subtract', 'multiply', 'divide', 'power', 'modulo'] as const;
const MEASURES = ['mean', 'median', 'min', 'max', 'sum', 'stdev'];

/** A value that is easy to copy: an integer, sometimes with one decimal. */
const amount = (rng: Rng, lo: number, hi: number): number => (chance(rng, 0.2) ? between(rng, lo * 10, hi * 10) / 10 : between(rng, lo, hi));

function unitIntent(tool: string, group: string, table: Record<string, number>, what: string): Intent {
  return {
    tool, capability: `convert ${what} between units`,
    draw: (rng) => {
      const [from, to] = sample(rng, Object.keys(table), 2);
      return draft(tool, [['value', lit(amount(rng, 1, 500))], ['from_unit', alias(rng, group, from)], ['to_unit', alias(rng, group, to)]]);
    },
    ask: () => [
      'convert {value} {from_unit} to {to_unit}', 'how many {to_unit} is {value} {from_unit}', 'what is {value} {from_unit} in {to_unit}',
      'express {value} {from_unit} in {to_unit}', 'change {value} {from_unit} into {to_unit}', 'turn {value} {from_unit} into {to_unit}',
    ],
    followUp: { to_unit: ['and in {to_unit}', 'what about in {to_unit}', 'now give me that in {to_unit}'], value: ['what about {value} {from_unit}', 'and for {value} {from_unit}'] },
    scalable: ['value'],
    answer: (r, d) => `${d.slots.value.surface} ${d.slots.from_unit.surface} is ${r.value} ${d.slots.to_unit.surface}.`,
  };
}

const TEMP: Intent = {
  tool: 'convert_temperature', capability: 'convert temperatures',
  draw: (rng) => {
    const [from, to] = sample(rng, ['c', 'f', 'k'], 2);
    const v = from === 'k' ? between(rng, 200, 400) : between(rng, -30, 120);
    return draft('convert_temperature', [['value', lit(v)], ['from_unit', alias(rng, 'temp_unit', from)], ['to_unit', alias(rng, 'temp_unit', to)]]);
  },
  ask: () => ['convert {value} {from_unit} to {to_unit}', 'what is {value} {from_unit} in {to_unit}', 'how much is {value} {from_unit} in {to_unit}', 'express a temperature of {value} {from_unit} in {to_unit}'],
  followUp: { to_unit: ['and in {to_unit}', 'what about {to_unit}'], value: ['what about {value} {from_unit}'] },
  answer: (r, d) => `${d.slots.value.surface} ${d.slots.from_unit.surface} is ${r.value} ${d.slots.to_unit.surface}.`,
};

const CALC: Intent = {
  tool: 'calculate', capability: 'do arithmetic',
  draw: (rng) => {
    const op = rng.pick(OPS);
    const a = op === 'power' ? between(rng, 2, 12) : between(rng, 2, 999);
    const b = op === 'power' ? between(rng, 2, 4) : op === 'divide' || op === 'modulo' ? between(rng, 2, 25) : between(rng, 2, 999);
    return draft('calculate', [['operation', alias(rng, 'operation', op)], ['a', lit(a)], ['b', lit(b)]]);
  },
  ask: () => ['what is {a} {operation} {b}', 'calculate {a} {operation} {b}', 'work out {a} {operation} {b}', 'compute {a} {operation} {b}', 'what do you get for {a} {operation} {b}'],
  followUp: { b: ['what about {a} {operation} {b}', 'and {a} {operation} {b}'] },
  answer: (r, d) => `${d.slots.a.surface} ${d.slots.operation.surface} ${d.slots.b.surface} is ${r.result}.`,
};

const STATS: Intent = {
  tool: 'compute_statistics', capability: 'compute statistics of numbers',
  draw: (rng) => {
    const nums = sample(rng, Array.from({ length: 99 }, (_, i) => i + 1), between(rng, 3, 6));
    return draft('compute_statistics', [
      ['numbers', list(rng, nums)], ['measures', list(rng, sample(rng, MEASURES, between(rng, 1, 2)), 'measure')],
      ['decimals', chance(rng, 0.2) ? count(rng, between(rng, 0, 3)) : undefined],
    ]);
  },
  ask: () => ['what is the {measures} of {numbers}', 'find the {measures} of {numbers}', 'give me the {measures} for the numbers {numbers}', 'compute the {measures} of these values: {numbers}', 'calculate the {measures} of {numbers}'],
  optional: { decimals: ['rounded to {decimals} decimals', 'with {decimals} decimal places'] },
  answer: (r) => Object.entries(r).map(([k, v]) => `The ${k} is ${v}.`).join(' '),
};

const PERCENT: Intent = {
  tool: 'percentage', capability: 'work with percentages',
  draw: (rng) => {
    const mode = rng.pick(['of', 'of', 'increase', 'decrease']);
    return draft('percentage', [['value', lit(between(rng, 10, 2000))], ['percent', lit(rng.pick([5, 10, 12, 15, 20, 25, 30, 40, 50, 75]))], ['mode', mode === 'of' ? undefined : alias(rng, 'percent_mode', mode)]]);
  },
  ask: (d) => d.args.mode
    ? ['what is {value} {mode} {percent}%', 'calculate {value} {mode} {percent} percent', 'give me {value} {mode} {percent}%']
    : ['what is {percent}% of {value}', 'calculate {percent} percent of {value}', 'how much is {percent}% of {value}', 'find {percent}% of {value}'],
  followUp: { percent: ['and with {percent}%', 'what about {percent} percent'] },
  answer: (r) => `The result is ${r.result}.`,
};

const PRIME: Intent = {
  tool: 'check_prime', capability: 'test numbers for primality',
  draw: (rng) => draft('check_prime', [['n', lit(between(rng, 2, 9999))]]),
  ask: () => ['is {n} a prime number', 'check whether {n} is prime', 'tell me if {n} is prime', 'is {n} prime', 'find out whether {n} is a prime'],
  followUp: { n: ['what about {n}', 'and {n}'] },
  answer: (r) => (r.is_prime ? `Yes, ${r.n} is prime.` : `No, ${r.n} is not prime: it is divisible by ${r.smallest_divisor}.`),
};

const CONVERT_CURRENCY: Intent = {
  tool: 'convert_currency', capability: 'convert between currencies',
  draw: (rng) => {
    const [from, to] = sample(rng, CURRENCIES, 2);
    return draft('convert_currency', [['amount', lit(amount(rng, 5, 5000))], ['from_currency', alias(rng, 'currency', from)], ['to_currency', alias(rng, 'currency', to)]]);
  },
  ask: () => ['convert {amount} {from_currency} to {to_currency}', 'how much is {amount} {from_currency} in {to_currency}', 'what are {amount} {from_currency} worth in {to_currency}', 'change {amount} {from_currency} into {to_currency}', 'exchange {amount} {from_currency} for {to_currency}'],
  followUp: { to_currency: ['and in {to_currency}', 'what about in {to_currency}'], amount: ['what about {amount} {from_currency}'] },
  scalable: ['amount'],
  answer: (r, d) => `${d.slots.amount.surface} ${d.slots.from_currency.surface} is ${r.amount} ${d.slots.to_currency.surface}.`,
};

const RATE: Intent = {
  tool: 'get_exchange_rate', capability: 'look up exchange rates',
  draw: (rng) => {
    const [b, q] = sample(rng, CURRENCIES, 2);
    return draft('get_exchange_rate', [['base', alias(rng, 'currency', b)], ['quote', alias(rng, 'currency', q)]]);
  },
  ask: () => ['what is the exchange rate from {base} to {quote}', 'give me the {base} to {quote} exchange rate', 'look up the rate for converting {base} into {quote}', 'what is the current rate between {base} and {quote}'],
  followUp: { quote: ['and to {quote}', 'what about {quote}'] },
  answer: (r) => `1 ${r.base} buys ${r.rate} ${r.quote}.`,
};

const SPLIT: Intent = {
  tool: 'split_bill', capability: 'split bills',
  draw: (rng) => draft('split_bill', [['total', lit(amount(rng, 20, 900))], ['people', count(rng, between(rng, 2, 12))], ['tip_percent', chance(rng, 0.5) ? lit(rng.pick([10, 12, 15, 18, 20])) : undefined]]),
  ask: () => ['split a bill of {total} between {people} people', 'divide a {total} bill among {people} people', 'how much does each of {people} people pay on a bill of {total}', 'what is each share if {people} people split {total}'],
  optional: { tip_percent: ['with a {tip_percent}% tip', 'including a {tip_percent} percent tip', 'after adding a {tip_percent}% tip'] },
  followUp: { people: ['what if there are {people} of us', 'and with {people} people'] },
  scalable: ['total'],
  answer: (r) => `Each person pays ${r.per_person} (total ${r.total_with_tip}).`,
};

/** A date within two months of today. */
const nearDate = (rng: Rng, env: DrawEnv): string => addDays(env.today, between(rng, -20, 45));

const ADD_DAYS: Intent = {
  tool: 'add_days', capability: 'do date arithmetic',
  draw: (rng, env) => {
    const skip = chance(rng, 0.25);
    return draft('add_days', [['date', date(rng, env, nearDate(rng, env))], ['days', lit(between(rng, 2, 60))], ['skip_weekends', skip ? alias(rng, 'skip_weekends', true) : undefined]]);
  },
  ask: (d) => d.args.skip_weekends
    ? ['what date is {days} {skip_weekends} after {date}', 'count {days} {skip_weekends} forward from {date}', 'which day is {days} {skip_weekends} after {date}']
    : ['what date is {days} days after {date}', 'add {days} days to {date}', 'which date comes {days} days after {date}', 'what is the date {days} days from {date}'],
  followUp: { days: ['and {days} days after {date}', 'what about {days} days instead'] },
  answer: (r) => `That is ${r.weekday}, ${r.date}.`,
};

const BETWEEN: Intent = {
  tool: 'days_between', capability: 'count days between dates',
  draw: (rng, env) => {
    const a = nearDate(rng, env);
    const b = addDays(a, between(rng, 3, 200));
    return draft('days_between', [['start_date', date(rng, env, a)], ['end_date', date(rng, env, b)], ['inclusive', chance(rng, 0.25) ? alias(rng, 'inclusive', true) : undefined]]);
  },
  ask: () => ['how many days are there between {start_date} and {end_date}', 'count the days from {start_date} to {end_date}', 'how many days is it from {start_date} until {end_date}', 'tell me the number of days between {start_date} and {end_date}'],
  optional: { inclusive: ['({inclusive})', ', {inclusive}'] },
  answer: (r) => `That is ${r.days} days.`,
};

const WEEKDAY: Intent = {
  tool: 'get_weekday', capability: 'find the weekday of a date',
  draw: (rng, env) => draft('get_weekday', [['date', date(rng, env, chance(rng, 0.5) ? nearDate(rng, env) : `${between(rng, 1990, 2035)}-0${between(rng, 1, 9)}-${between(rng, 10, 28)}`)]]),
  ask: () => ['what day of the week is {date}', 'which weekday does {date} fall on', 'tell me the weekday of {date}', 'what weekday is {date}'],
  followUp: { date: ['and {date}', 'what about {date}'] },
  answer: (r) => `${r.date} is a ${r.weekday}.`,
};

const MONTH: Intent = {
  tool: 'month_calendar', capability: 'describe calendar months',
  draw: (rng) => draft('month_calendar', [['year', lit(between(rng, 1990, 2035))], ['month', alias(rng, 'month', between(rng, 1, 12))]]),
  ask: () => ['how many days does {month} {year} have', 'how many weekend days are in {month} {year}', 'what weekday does {month} {year} start on', 'give me the calendar facts for {month} {year}'],
  followUp: { year: ['and in {year}', 'what about {month} {year}'] },
  answer: (r) => `${r.month} has ${r.days} days, starts on a ${r.first_weekday} and has ${r.weekend_days} weekend days.`,
};

const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.', 'We meet at noon by the old bridge.', 'Rain is expected later today.',
  'Please send the report before Friday.', 'My cat sleeps all day long. She wakes up at night.', 'Good code is easy to read.',
  'The museum opens at nine.', 'Bring water, snacks and a map.', 'Tea or coffee? Both are fine.', 'The train was ten minutes late.',
  'Learning a language takes patience.', 'The garden needs more sun.', 'Call me when you land.', 'This soup needs salt.',
];
const TITLES = ['hello world', 'my first blog post', 'ten tips for better sleep', 'the art of slow cooking', 'why cats love boxes', 'a guide to city cycling', 'notes from the mountains', 'how to learn chess'];
const PHRASES = ['portable network graphics', 'as soon as possible', 'frequently asked questions', 'graphical user interface', 'central processing unit', 'light amplification by stimulated emission of radiation', 'national aeronautics and space administration', 'for your information', 'world health organization', 'random access memory'];

const COUNT_TEXT: Intent = {
  tool: 'count_text', capability: 'count words in text',
  draw: (rng) => draft('count_text', [['text', lit(rng.pick(SENTENCES))], ['ignore_spaces', chance(rng, 0.25) ? alias(rng, 'ignore_spaces', true) : undefined]]),
  ask: () => ["count the words in '{text}'", "how many words and characters are in '{text}'", "give me word and character counts for '{text}'", "how long is the text '{text}'"],
  optional: { ignore_spaces: ['with characters counted {ignore_spaces}', '(characters {ignore_spaces})'] },
  answer: (r) => `It has ${r.words} words, ${r.characters} characters and ${r.sentences} sentences.`,
};

const CASE: Intent = {
  tool: 'change_case', capability: 'change the case of text',
  draw: (rng) => draft('change_case', [['text', lit(rng.pick([...TITLES, ...SENTENCES.slice(0, 6)]))], ['mode', alias(rng, 'case_mode', rng.pick(['upper', 'lower', 'title', 'reverse']))]]),
  ask: (d) => d.args.mode === 'reverse'
    ? ["write '{text}' {mode}", "spell '{text}' {mode}", "give me '{text}' {mode}"]
    : ["convert '{text}' to {mode}", "rewrite '{text}' in {mode}", "put '{text}' in {mode}"],
  answer: (r) => `Here it is: "${r.text}".`,
};

const SLUG: Intent = {
  tool: 'make_slug', capability: 'make URL slugs',
  draw: (rng) => draft('make_slug', [['text', lit(rng.pick(TITLES))], ['separator', chance(rng, 0.3) ? alias(rng, 'separator', rng.pick(['-', '_'])) : undefined], ['max_words', chance(rng, 0.25) ? count(rng, between(rng, 2, 4)) : undefined]]),
  ask: () => ["make a URL slug from '{text}'", "turn '{text}' into a slug", "create a slug for the title '{text}'", "slugify '{text}'"],
  optional: { separator: ['using {separator}', 'with {separator}'], max_words: ['keeping at most {max_words} words', 'limited to {max_words} words'] },
  answer: (r) => `The slug is ${r.slug}.`,
};

const ACRONYM: Intent = {
  tool: 'make_acronym', capability: 'make acronyms',
  draw: (rng) => {
    const text = rng.pick(PHRASES);
    const skippable = ['of', 'for', 'by', 'as'].filter((w) => text.split(' ').includes(w));
    const skip = skippable.length && chance(rng, 0.5) ? list(rng, skippable) : undefined;
    return draft('make_acronym', [['text', lit(text)], ['skip_words', skip]]);
  },
  ask: () => ["make an acronym from '{text}'", "what is the acronym of '{text}'", "abbreviate '{text}' to its initials", "build an acronym for '{text}'"],
  optional: { skip_words: ['ignoring the words {skip_words}', 'leaving out {skip_words}'] },
  answer: (r) => `The acronym is ${r.acronym}.`,
};

export const NUMBER_INTENTS: Intent[] = [
  CALC, STATS, PERCENT, PRIME,
  unitIntent('convert_length', 'length_unit', LENGTH_M, 'lengths'), unitIntent('convert_mass', 'mass_unit', MASS_G, 'masses'),
  unitIntent('convert_volume', 'volume_unit', VOLUME_L, 'volumes'), TEMP,
  CONVERT_CURRENCY, RATE, SPLIT, ADD_DAYS, BETWEEN, WEEKDAY, MONTH, COUNT_TEXT, CASE, SLUG, ACRONYM,
];
