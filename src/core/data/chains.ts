// Multi-step scenarios: call chains where later arguments are copied from earlier results, each with
// whole-question templates ({step.path} placeholders) written for that chain, and an optional split
// into two user turns (the second refers back to the first answer).
import { CITIES, COUNTRIES } from '../tools/geo_data.ts';
import { CURRENCIES } from '../tools/currency.ts';
import { ELEMENTS, PLANETS } from '../tools/knowledge.ts';
import { INGREDIENTS } from '../tools/shopping.ts';
import { addDays } from '../tools/dates.ts';
import type { Rng } from '../rng.ts';
import { alias, aliasAs, between, chance, count, date, draft, fromResult, lit, list, sample, time, type Draft, type DrawEnv, type Result } from './intent.ts';
import { EVENT_TITLES, eventTime, PRODUCT_WORDS, TODO_TITLES } from './intents_world.ts';

export interface Chain {
  name: string;
  /** Step i draws its call from the results of steps < i; null aborts the chain (redrawn). */
  steps: ((rng: Rng, env: DrawEnv, results: Result[]) => Draft | null)[];
  ask: readonly string[];
  /** Two-turn form: turn one asks steps < split, turn two (referring back) asks the rest. */
  turns?: { split: number; first: readonly string[]; second: readonly string[] };
  answer(results: Result[], drafts: Draft[]): string;
}

const usd = (rng: Rng): string => rng.pick(CURRENCIES.filter((c) => c !== 'USD'));
const citiesWithCountry = CITIES.filter((c) => COUNTRIES.some((k) => k.name === c.country));

export const CHAINS: Chain[] = [
  {
    name: 'travel_money',
    steps: [
      (rng) => draft('get_city_info', [['city', lit(rng.pick(citiesWithCountry).name)]]),
      (rng, _e, [city]) => draft('get_country_info', [['country', fromResult(city.country, 0, 'country')], ['fields', { ...list(rng, ['currency'], 'country_field'), surface: 'currency' }]]),
      (rng, _e, [, country]) => (country.currency === 'USD' ? null
        : draft('convert_currency', [['amount', lit(between(rng, 20, 3000))], ['from_currency', alias(rng, 'currency', 'USD')], ['to_currency', fromResult(country.currency, 1, 'currency')]])),
    ],
    ask: ["I'm going to {0.city} with {2.amount} {2.from_currency}; how much is that in the local {1.fields}", 'how much local {1.fields} would I get for {2.amount} {2.from_currency} in {0.city}', 'convert {2.amount} {2.from_currency} into the {1.fields} used in {0.city}'],
    answer: (r) => `${r[0].city} is in ${r[0].country}, which uses ${r[1].currency}; that comes to ${r[2].amount} ${r[2].currency}.`,
  },
  {
    name: 'country_money',
    steps: [
      (rng) => draft('get_country_info', [['country', lit(rng.pick(COUNTRIES.filter((c) => c.currency !== 'USD')).name)], ['fields', { ...list(rng, ['currency'], 'country_field'), surface: 'currency' }]]),
      (rng, _e, [c]) => draft('convert_currency', [['amount', lit(between(rng, 10, 5000))], ['from_currency', alias(rng, 'currency', 'USD')], ['to_currency', fromResult(c.currency, 0, 'currency')]]),
    ],
    ask: ['how much is {1.amount} {1.from_currency} in the {0.fields} of {0.country}', 'convert {1.amount} {1.from_currency} to the {0.fields} of {0.country}', 'what are {1.amount} {1.from_currency} worth in the local {0.fields} of {0.country}'],
    turns: { split: 1, first: ['what {0.fields} does {0.country} use', 'which {0.fields} is used in {0.country}'], second: ['how much is {1.amount} {1.from_currency} in that currency', 'convert {1.amount} {1.from_currency} to it'] },
    answer: (r) => `${r[0].country} uses ${r[0].currency}: that is ${r[1].amount} ${r[1].currency}.`,
  },
  {
    name: 'product_price',
    steps: [
      (rng) => draft('search_products', [['query', lit(rng.pick(PRODUCT_WORDS))]]),
      (_rng, _e, [s]) => draft('get_product', [['product_id', fromResult(s.products[0].id, 0, 'products.0.id')]]),
      (rng, _e, [, p]) => draft('convert_currency', [['amount', fromResult(p.price, 1, 'price')], ['from_currency', fromResult('USD', 1, 'currency')], ['to_currency', alias(rng, 'currency', usd(rng))]]),
    ],
    ask: ["how much does the '{0.query}' from the shop cost in {2.to_currency}", "find the '{0.query}' in the shop and tell me its price in {2.to_currency}", "what is the price of the shop's '{0.query}' in {2.to_currency}"],
    turns: { split: 2, first: ["how much is the '{0.query}' in the shop", "what does the shop's '{0.query}' cost"], second: ['what is that in {2.to_currency}', 'convert that price to {2.to_currency}'] },
    answer: (r) => `The ${r[1].name} costs ${r[1].price} dollars, which is ${r[2].amount} ${r[2].currency}.`,
  },
  {
    name: 'cart_in_currency',
    steps: [
      (rng) => draft('search_products', [['query', lit(rng.pick(PRODUCT_WORDS))]]),
      (_rng, _e, [s]) => draft('get_product', [['product_id', fromResult(s.products[0].id, 0, 'products.0.id')]]),
      (rng, _e, [, p]) => (p.stock === 0 ? null : draft('cart_total', [['lines.0.product_id', fromResult(p.id, 1, 'id')], ['lines.0.quantity', count(rng, between(rng, 2, 6))]])),
      (rng, _e, [, , c]) => draft('convert_currency', [['amount', fromResult(c.total, 2, 'total')], ['from_currency', fromResult('USD', 2, 'currency')], ['to_currency', alias(rng, 'currency', usd(rng))]]),
    ],
    ask: ["check that the '{0.query}' is in stock, then tell me what {2.lines.0.quantity} of them would cost in {3.to_currency}", "is the shop's '{0.query}' available? if so, what would {2.lines.0.quantity} cost in {3.to_currency}"],
    answer: (r) => `The ${r[1].name} is in stock (${r[1].stock}); ${r[2].subtotal} dollars in total, which is ${r[3].amount} ${r[3].currency}.`,
  },
  {
    name: 'recipe_scale',
    steps: [
      (rng) => {
        const diet = chance(rng, 0.3) ? alias(rng, 'diet', rng.pick(['vegan', 'vegetarian'])) : undefined;
        return draft('search_recipes', [['ingredient', lit(rng.pick(INGREDIENTS))], ['diet', diet]], { diet_text: diet ? ` ${diet.surface}` : '' });
      },
      (rng, _e, [s]) => (s.recipes.length === 0 ? null : draft('scale_recipe', [['recipe_id', fromResult(s.recipes[0].id, 0, 'recipes.0.id')], ['servings', count(rng, between(rng, 2, 12))]])),
    ],
    ask: ['find a{0.diet_text} recipe with {0.ingredient} and scale it to {1.servings} servings', 'I want to cook something{0.diet_text} with {0.ingredient} for {1.servings} people; find a recipe and give me the amounts', 'search for a{0.diet_text} {0.ingredient} recipe and adjust the first one for {1.servings} servings'],
    turns: { split: 1, first: ['find a{0.diet_text} recipe with {0.ingredient}', 'what can I cook{0.diet_text} with {0.ingredient}'], second: ['scale the first one to {1.servings} servings', 'give me the amounts of the first one for {1.servings} people'] },
    answer: (r) => `Try ${r[1].name}: for ${r[1].servings} servings use ${r[1].ingredients.map((x: { item: string; grams: number }) => `${x.grams} g ${x.item}`).join(', ')}.`,
  },
  {
    name: 'travel_time',
    steps: [
      (rng) => {
        const [a, b] = sample(rng, CITIES, 2);
        return draft('city_distance', [['from_city', lit(a.name)], ['to_city', lit(b.name)]]);
      },
      (rng, _e, [d]) => draft('calculate', [['operation', aliasAs('operation', 'divide', 'per')], ['a', fromResult(d.distance, 0, 'distance')], ['b', lit(rng.pick([60, 80, 90, 100, 120, 250, 800]))]]),
    ],
    ask: ['how many hours would it take to travel from {0.from_city} to {0.to_city} at {1.b} km {1.operation} hour', 'at {1.b} km {1.operation} hour, how long is the trip from {0.from_city} to {0.to_city}', 'going {1.b} km {1.operation} hour, how many hours from {0.from_city} to {0.to_city}'],
    turns: { split: 1, first: ['how far is {0.from_city} from {0.to_city}', 'what is the distance from {0.from_city} to {0.to_city}'], second: ['how many hours is that at {1.b} km {1.operation} hour', 'and at {1.b} km {1.operation} hour, how long would it take'] },
    answer: (r) => `It is ${r[0].distance} km, so about ${r[1].result} hours.`,
  },
  {
    name: 'rental_cost',
    steps: [
      (rng, env) => {
        const a = addDays(env.today, between(rng, 1, 30));
        return draft('days_between', [['start_date', date(rng, env, a)], ['end_date', date(rng, env, addDays(a, between(rng, 2, 20)))]]);
      },
      (rng, _e, [d]) => draft('calculate', [['operation', aliasAs('operation', 'multiply', 'a day')], ['a', fromResult(d.days, 0, 'days')], ['b', lit(rng.pick([25, 30, 35, 40, 45, 50, 60, 75]))]]),
    ],
    ask: ['I am renting a car from {0.start_date} to {0.end_date} at {1.b} dollars {1.operation}; what will it cost', 'what does a rental from {0.start_date} to {0.end_date} cost at {1.b} dollars {1.operation}', 'at {1.b} dollars {1.operation}, how much is a stay from {0.start_date} until {0.end_date}'],
    answer: (r) => `That is ${r[0].days} days, so ${r[1].result} dollars.`,
  },
  {
    name: 'mean_percent',
    steps: [
      (rng) => draft('compute_statistics', [['numbers', list(rng, sample(rng, Array.from({ length: 99 }, (_, i) => i + 1), between(rng, 3, 5)))], ['measures', list(rng, ['mean'], 'measure')]]),
      (rng, _e, [s]) => draft('percentage', [['value', fromResult(s.mean, 0, 'mean')], ['percent', lit(rng.pick([10, 15, 20, 25, 50]))]]),
    ],
    ask: ['what is {1.percent}% of the {0.measures} of {0.numbers}', 'take the {0.measures} of {0.numbers} and give me {1.percent} percent of it', 'find {1.percent}% of the {0.measures} of the numbers {0.numbers}'],
    turns: { split: 1, first: ['what is the {0.measures} of {0.numbers}'], second: ['what is {1.percent}% of that', 'and {1.percent} percent of it'] },
    answer: (r) => `The mean is ${r[0].mean}, and ${r[1].result} is the requested share.`,
  },
  {
    name: 'weekdays_in_month',
    steps: [
      (rng) => draft('month_calendar', [['year', lit(between(rng, 2000, 2035))], ['month', alias(rng, 'month', between(rng, 1, 12))]]),
      (_rng, _e, [m]) => draft('calculate', [['operation', aliasAs('operation', 'subtract', 'without')], ['a', fromResult(m.days, 0, 'days')], ['b', fromResult(m.weekend_days, 0, 'weekend_days')]]),
    ],
    ask: ['count the days of {0.month} {0.year} {1.operation} the weekend days', 'how many days does {0.month} {0.year} have {1.operation} its weekends', 'tell me the number of days in {0.month} {0.year} {1.operation} weekend days'],
    answer: (r) => `${r[0].month} has ${r[0].days} days, ${r[1].result} of them weekdays.`,
  },
  {
    name: 'event_then_list',
    steps: [
      (rng, env) => draft('create_event', [['title', lit(rng.pick(EVENT_TITLES))], ['date', date(rng, env, addDays(env.today, between(rng, 0, 20)))], ['start_time', time(rng, eventTime(rng))]]),
      (_rng, _e, [ev]) => draft('list_events', [['date', fromResult(ev.date, 0, 'date')]]),
    ],
    ask: ["schedule '{0.title}' on {0.date} at {0.start_time} and then show me everything on that day", 'book a {0.title} for {0.date} at {0.start_time}, then list my events for that date', "put '{0.title}' in my calendar on {0.date} at {0.start_time} and show me that day's events"],
    answer: (r) => `Booked. On ${r[1].date} you have: ${r[1].events.map((e: { title: string; start_time: string }) => `${e.title} at ${e.start_time}`).join(', ')}.`,
  },
  {
    name: 'deadline_event',
    steps: [
      (rng, env) => draft('add_days', [['date', date(rng, env, addDays(env.today, between(rng, 0, 20)))], ['days', lit(between(rng, 2, 30))]]),
      (rng, _e, [d]) => draft('create_event', [['title', lit(rng.pick(EVENT_TITLES))], ['date', fromResult(d.date, 0, 'date')], ['start_time', time(rng, eventTime(rng))]]),
    ],
    ask: ["schedule '{1.title}' at {1.start_time}, {0.days} days after {0.date}", 'put a {1.title} in my calendar {0.days} days after {0.date}, at {1.start_time}', "book '{1.title}' for the day {0.days} days after {0.date} at {1.start_time}"],
    answer: (r) => `Booked for ${r[0].weekday}, ${r[0].date} at ${r[1].start_time}.`,
  },
  {
    name: 'todo_flow',
    steps: [
      (rng) => draft('add_todo', [['title', lit(rng.pick(TODO_TITLES))]]),
      (rng, _e, [a]) => draft('add_todo', [['title', lit(rng.pick(TODO_TITLES.filter((t) => t !== a.title)))]]),
      (_rng, _e, [a]) => draft('complete_todo', [['id', fromResult(a.id, 0, 'id')]]),
      () => draft('list_todos', []),
    ],
    ask: ["add '{0.title}' and '{1.title}' to my to-do list, then mark '{0.title}' as done and show me what is still open", "put '{0.title}' and '{1.title}' on my todo list, tick off '{0.title}', and list the open items"],
    answer: (r) => `Done. Still open: ${r[3].items.map((x: { title: string }) => x.title).join(', ')}.`,
  },
  {
    name: 'element_mass_sum',
    steps: [
      (rng) => draft('get_element', [['element', lit(rng.pick(ELEMENTS)[0])]]),
      (rng, _e, [a]) => draft('get_element', [['element', lit(rng.pick(ELEMENTS.filter((e) => e[0] !== a.name))[0])]]),
      (_rng, _e, [a, b]) => draft('calculate', [['operation', aliasAs('operation', 'add', 'combined')], ['a', fromResult(a.atomic_mass, 0, 'atomic_mass')], ['b', fromResult(b.atomic_mass, 1, 'atomic_mass')]]),
    ],
    ask: ['what is the {2.operation} atomic mass of {0.element} and {1.element}', 'look up {0.element} and {1.element} and give me their {2.operation} atomic mass', 'tell me the {2.operation} atomic mass of one atom of {0.element} and one of {1.element}'],
    answer: (r) => `${r[0].name} (${r[0].atomic_mass}) and ${r[1].name} (${r[1].atomic_mass}) together weigh ${r[2].result}.`,
  },
  {
    name: 'planet_width',
    steps: [
      (rng) => draft('get_planet', [['planet', alias(rng, 'planet', rng.pick(Object.keys(PLANETS)))]]),
      (rng, _e, [p]) => draft('convert_length', [['value', fromResult(p.diameter_km, 0, 'diameter_km')], ['from_unit', fromResult('km', 0, 'diameter_unit')], ['to_unit', alias(rng, 'length_unit', rng.pick(['mi', 'm', 'ft']))]]),
    ],
    ask: ['how wide is {0.planet} in {1.to_unit}', 'what is the diameter of {0.planet} in {1.to_unit}', 'give me the diameter of {0.planet} converted to {1.to_unit}'],
    turns: { split: 1, first: ['what is the diameter of {0.planet}', 'how big is {0.planet}'], second: ['how much is that in {1.to_unit}', 'convert that to {1.to_unit}'] },
    answer: (r) => `${r[0].diameter_km} km, which is ${r[1].value} ${r[1].unit}.`,
  },
  {
    name: 'bill_in_currency',
    steps: [
      (rng) => {
        const [from, to] = sample(rng, CURRENCIES, 2);
        return draft('convert_currency', [['amount', lit(between(rng, 40, 900))], ['from_currency', alias(rng, 'currency', from)], ['to_currency', alias(rng, 'currency', to)]]);
      },
      (rng, _e, [c]) => draft('split_bill', [['total', fromResult(c.amount, 0, 'amount')], ['people', count(rng, between(rng, 2, 8))]]),
    ],
    ask: ['convert our {0.amount} {0.from_currency} dinner bill to {0.to_currency} and split it between {1.people} people', 'the bill is {0.amount} {0.from_currency}: what is it in {0.to_currency}, and how much is that for each of {1.people} people'],
    turns: { split: 1, first: ['convert {0.amount} {0.from_currency} to {0.to_currency}'], second: ['now split that between {1.people} people', 'and how much is that each for {1.people} people'] },
    answer: (r) => `That is ${r[0].amount} ${r[0].currency}, or ${r[1].per_person} each.`,
  },
];
