// Question grammar for the lookup and stateful tools: knowledge, geography, planner, cooking,
// shopping. Values come from the shipped tables, so every drawn call succeeds.
import { addDays } from '../tools/dates.ts';
import { CITIES, COUNTRIES } from '../tools/geo_data.ts';
import { ELEMENTS, FACTS, PLANETS } from '../tools/knowledge.ts';
import { INGREDIENTS, PRODUCT_CATEGORIES, PRODUCTS, RECIPES } from '../tools/shopping.ts';
import type { Rng } from '../rng.ts';
import { alias, between, chance, count, date, draft, lit, list, sample, time, type Intent } from './intent.ts';

export const TODO_TITLES = ['buy milk', 'call the dentist', 'pay the rent', 'water the plants', 'book a haircut', 'renew my passport', 'send the invoice', 'clean the garage', 'return the library books', 'pick up the dry cleaning', 'email the landlord', 'fix the bike', 'order printer ink', 'plan the birthday party', 'back up my laptop'];
export const EVENT_TITLES = ['team meeting', 'dentist appointment', 'lunch with Sara', 'yoga class', 'project review', 'parent evening', 'coffee with Tom', 'budget planning', 'guitar lesson', 'doctor visit', 'book club', 'job interview'];
const PEOPLE = ['Anna', 'Ben', 'Chloe', 'David', 'Emma', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jon', 'Kiko', 'Lena'];
const ROOMS = ['Room 4', 'Orion', 'B12', 'the library', 'Studio 2'];
const TAGS = ['home', 'work', 'errands', 'health', 'money', 'family'];
const STOP = new Set(['the', 'and', 'was', 'with', 'from', 'are', 'has', 'two', 'for', 'about', 'over', 'made', 'both', 'known', 'have']);

const hhmm = (rng: Rng): string => `${String(between(rng, 7, 20)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])}`;
export const eventTime = hhmm;
const cityName = (rng: Rng): string => rng.pick(CITIES).name;

const ELEMENT: Intent = {
  tool: 'get_element', capability: 'look up chemical elements',
  draw: (rng) => {
    const e = rng.pick(ELEMENTS);
    return draft('get_element', [['element', lit(chance(rng, 0.25) ? e[1] : e[0])]]);
  },
  ask: (d) => (String(d.args.element).length <= 2
    ? ['which element has the symbol {element}', 'look up the element with symbol {element}', 'what is the atomic number of the element {element}']
    : ['what is the atomic number of {element}', 'look up the element {element}', 'what is the atomic mass of {element}', 'tell me about the element {element}']),
  followUp: { element: ['and {element}', 'what about {element}'] },
  answer: (r) => `${r.name} (${r.symbol}) has atomic number ${r.atomic_number} and atomic mass ${r.atomic_mass}.`,
};

const PLANET: Intent = {
  tool: 'get_planet', capability: 'look up planets',
  draw: (rng) => draft('get_planet', [['planet', alias(rng, 'planet', rng.pick(Object.keys(PLANETS)))]]),
  ask: () => ['how many moons does {planet} have', 'what is the diameter of {planet}', 'how far is {planet} from the sun', 'how long is a day on {planet}', 'tell me about the planet {planet}'],
  followUp: { planet: ['and {planet}', 'what about {planet}'] },
  answer: (r) => `${r.planet[0].toUpperCase()}${r.planet.slice(1)} has ${r.moons} moons, a diameter of ${r.diameter_km} km, lies ${r.distance_from_sun_mkm} million km from the sun and turns in ${r.day_hours} hours.`,
};

const SEARCH_FACTS: Intent = {
  tool: 'search_facts', capability: 'search an encyclopedia',
  draw: (rng) => {
    const f = rng.pick(FACTS);
    const words = [...new Set(f.text.toLowerCase().match(/[a-z]{3,}/g) ?? [])].filter((w) => !STOP.has(w));
    const query = sample(rng, words, Math.min(words.length, between(rng, 1, 2))).join(' ');
    return draft('search_facts', [['query', lit(query)], ['topic', chance(rng, 0.25) ? lit(f.topic) : undefined], ['limit', chance(rng, 0.25) ? count(rng, between(rng, 1, 5)) : undefined]]);
  },
  ask: () => ["search the encyclopedia for '{query}'", "look up facts about '{query}'", "find facts mentioning '{query}'", "what does the knowledge base say about '{query}'"],
  optional: { topic: ['in the {topic} section', 'limited to the topic {topic}'], limit: ['and show at most {limit} results', '(up to {limit} results)'] },
  answer: (r) => (r.results.length ? r.results.map((x: { text: string }) => x.text).join(' ') : 'I found nothing about that.'),
};

const CITY: Intent = {
  tool: 'get_city_info', capability: 'look up cities',
  draw: (rng) => draft('get_city_info', [['city', lit(cityName(rng))]]),
  ask: () => ['what country is {city} in', 'what is the population of {city}', 'give me information about {city}', 'what is the UTC offset of {city}', 'tell me about the city of {city}'],
  followUp: { city: ['and {city}', 'what about {city}'] },
  answer: (r) => `${r.city} is in ${r.country}, has about ${r.population} people and is at UTC${r.utc_offset >= 0 ? '+' : ''}${r.utc_offset}.`,
};

const COUNTRY: Intent = {
  tool: 'get_country_info', capability: 'look up countries',
  draw: (rng) => {
    const fields = chance(rng, 0.6) ? list(rng, sample(rng, ['capital', 'currency', 'continent', 'population_m', 'language'], between(rng, 1, 2)), 'country_field') : undefined;
    return draft('get_country_info', [['country', lit(rng.pick(COUNTRIES).name)], ['fields', fields]]);
  },
  ask: (d) => (d.args.fields
    ? ['what is the {fields} of {country}', 'tell me the {fields} of {country}', 'look up the {fields} of {country}']
    : ['give me the facts about {country}', 'look up the country {country}', 'tell me everything about {country}']),
  followUp: { country: ['and {country}', 'what about {country}'] },
  answer: (r) => `${r.country}: ${Object.entries(r).filter(([k]) => k !== 'country').map(([k, v]) => `${k.replace('_m', ' (millions)')} ${v}`).join(', ')}.`,
};

const DISTANCE: Intent = {
  tool: 'city_distance', capability: 'measure distances between cities',
  draw: (rng) => {
    const [a, b] = sample(rng, CITIES, 2);
    return draft('city_distance', [['from_city', lit(a.name)], ['to_city', lit(b.name)], ['unit', chance(rng, 0.4) ? alias(rng, 'distance_unit', rng.pick(['km', 'mi'])) : undefined]]);
  },
  ask: (d) => (d.args.unit
    ? ['how many {unit} is it from {from_city} to {to_city}', 'what is the distance between {from_city} and {to_city} in {unit}', 'how far is {from_city} from {to_city} in {unit}']
    : ['how far is {from_city} from {to_city}', 'what is the distance between {from_city} and {to_city}', 'how far apart are {from_city} and {to_city}']),
  followUp: { to_city: ['and to {to_city}', 'what about {from_city} to {to_city}'] },
  answer: (r, d) => `${d.args.from_city} and ${d.args.to_city} are about ${r.distance} ${r.unit} apart.`,
};

const LOCAL_TIME: Intent = {
  tool: 'local_time', capability: 'convert times between cities',
  draw: (rng) => {
    const [a, b] = sample(rng, CITIES.filter((c) => Number.isInteger(c.utc_offset)), 2);
    return draft('local_time', [['time', time(rng, hhmm(rng))], ['from_city', lit(a.name)], ['to_city', lit(b.name)]]);
  },
  ask: () => ['when it is {time} in {from_city}, what time is it in {to_city}', "if it's {time} in {from_city}, what time is it in {to_city}", 'what time is it in {to_city} when it is {time} in {from_city}', 'convert {time} {from_city} time to {to_city} time'],
  followUp: { to_city: ['and in {to_city}', 'what about {to_city}'] },
  answer: (r) => `It is ${r.time} in ${r.city}${r.day_shift ? (r.day_shift > 0 ? ' (the next day)' : ' (the day before)') : ''}.`,
};

const ADD_TODO: Intent = {
  tool: 'add_todo', capability: 'manage a to-do list',
  draw: (rng, env) => draft('add_todo', [
    ['title', lit(rng.pick(TODO_TITLES))],
    ['due_date', chance(rng, 0.4) ? date(rng, env, addDays(env.today, between(rng, 0, 20))) : undefined],
    ['priority', chance(rng, 0.4) ? alias(rng, 'priority', rng.pick(['low', 'medium', 'high'])) : undefined],
    ['tags', chance(rng, 0.25) ? list(rng, sample(rng, TAGS, between(rng, 1, 2))) : undefined],
  ]),
  ask: () => ["add '{title}' to my to-do list", "put '{title}' on my todo list", "create a to-do item '{title}'", "note down '{title}' as a task"],
  optional: { due_date: ['due {due_date}', 'for {due_date}'], priority: ['marked {priority}', 'as {priority}'], tags: ['tagged {tags}', 'with the tags {tags}'] },
  answer: (r) => `Added '${r.title}' (item ${r.id}); you have ${r.open_items} open item${r.open_items === 1 ? '' : 's'}.`,
};

const LIST_TODOS: Intent = {
  tool: 'list_todos', capability: 'manage a to-do list', standalone: false,
  draw: () => draft('list_todos', []),
  ask: () => ['show me my to-do list', 'list my open to-do items', 'what is still on my to-do list'],
  answer: (r) => (r.items.length ? `Open: ${r.items.map((x: { title: string }) => x.title).join(', ')}.` : 'Your to-do list is empty.'),
};

const CREATE_EVENT: Intent = {
  tool: 'create_event', capability: 'manage a calendar',
  draw: (rng, env) => {
    const hasCity = chance(rng, 0.3);
    return draft('create_event', [
      ['title', lit(rng.pick(EVENT_TITLES))], ['date', date(rng, env, addDays(env.today, between(rng, 0, 30)))], ['start_time', time(rng, hhmm(rng))],
      ['duration_minutes', chance(rng, 0.35) ? lit(rng.pick([15, 30, 45, 60, 90, 120])) : undefined],
      ['attendees', chance(rng, 0.3) ? list(rng, sample(rng, PEOPLE, between(rng, 1, 3))) : undefined],
      ['location.city', hasCity ? lit(cityName(rng)) : undefined], ['location.room', hasCity && chance(rng, 0.5) ? lit(rng.pick(ROOMS)) : undefined],
    ]);
  },
  ask: () => ["schedule '{title}' on {date} at {start_time}", 'put a {title} in my calendar on {date} at {start_time}', 'book a {title} for {date} at {start_time}', "create an event '{title}' on {date} at {start_time}"],
  optional: { duration_minutes: ['for {duration_minutes} minutes', 'lasting {duration_minutes} minutes'], attendees: ['with {attendees}', 'and invite {attendees}'], 'location.city': ['in {location.city}'], 'location.room': ['in {location.room}', 'at {location.room}'] },
  answer: (r) => `Booked for ${r.date} at ${r.start_time}${r.clashes_with ? `; note it clashes with ${r.clashes_with}` : ''}.`,
};

const SEARCH_RECIPES: Intent = {
  tool: 'search_recipes', capability: 'find recipes',
  draw: (rng) => draft('search_recipes', [
    ['ingredient', lit(rng.pick(INGREDIENTS))],
    ['diet', chance(rng, 0.3) ? alias(rng, 'diet', rng.pick(['vegan', 'vegetarian', 'pescatarian'])) : undefined],
    ['max_minutes', chance(rng, 0.3) ? lit(rng.pick([15, 20, 30, 45, 60])) : undefined],
  ]),
  ask: () => ['find recipes with {ingredient}', 'what can I cook with {ingredient}', 'search for recipes that use {ingredient}', 'suggest a dish with {ingredient}'],
  optional: { diet: ['that are {diet}', 'that is {diet}'], max_minutes: ['in {max_minutes} minutes or less', 'taking at most {max_minutes} minutes'] },
  answer: (r) => (r.recipes.length ? `You could make ${r.recipes.map((x: { name: string; minutes: number }) => `${x.name} (${x.minutes} min)`).join(', ')}.` : 'No recipe matches that.'),
};

const GET_RECIPE: Intent = {
  tool: 'get_recipe', capability: 'show recipes',
  draw: (rng) => draft('get_recipe', [['recipe_id', lit(rng.pick(RECIPES).id)]]),
  ask: () => ['show me recipe {recipe_id}', 'get the full recipe {recipe_id}', 'what goes into recipe {recipe_id}', 'open recipe {recipe_id}'],
  followUp: { recipe_id: ['and recipe {recipe_id}', 'what about {recipe_id}'] },
  answer: (r) => `${r.name} serves ${r.servings} and takes ${r.minutes} minutes: ${r.ingredients.map((x: { item: string; grams: number }) => `${x.grams} g ${x.item}`).join(', ')}.`,
};

const SCALE_RECIPE: Intent = {
  tool: 'scale_recipe', capability: 'scale recipes',
  draw: (rng) => draft('scale_recipe', [['recipe_id', lit(rng.pick(RECIPES).id)], ['servings', count(rng, between(rng, 1, 12))]]),
  ask: () => ['scale recipe {recipe_id} to {servings} servings', 'how much of each ingredient does recipe {recipe_id} need for {servings} people', 'adjust recipe {recipe_id} for {servings} servings'],
  followUp: { servings: ['and for {servings} people', 'what about {servings} servings'] },
  answer: (r) => `For ${r.servings} servings of ${r.name}: ${r.ingredients.map((x: { item: string; grams: number }) => `${x.grams} g ${x.item}`).join(', ')}.`,
};

/** Product-name words that pick out exactly one product. */
export const PRODUCT_WORDS = PRODUCTS.map((p) => p.name).filter((n) => PRODUCTS.filter((q) => q.name.includes(n)).length === 1);

const SEARCH_PRODUCTS: Intent = {
  tool: 'search_products', capability: 'search the shop',
  draw: (rng) => {
    const p = rng.pick(PRODUCTS);
    const word = chance(rng, 0.5) ? p.name : rng.pick(p.name.split(' '));
    return draft('search_products', [
      ['query', lit(word)],
      ['filters.category', chance(rng, 0.25) ? lit(chance(rng, 0.7) ? p.category : rng.pick(PRODUCT_CATEGORIES)) : undefined],
      ['filters.max_price', chance(rng, 0.3) ? lit(rng.pick([10, 20, 25, 50, 75, 100, 150])) : undefined],
      ['filters.in_stock', chance(rng, 0.3) ? alias(rng, 'in_stock', true) : undefined],
    ]);
  },
  ask: () => ["search the shop for '{query}'", "find '{query}' in the catalog", "look for products matching '{query}'", "what do you have for '{query}'"],
  optional: { 'filters.category': ['in the {filters.category} category'], 'filters.max_price': ['at {filters.max_price} dollars or less', 'costing at most {filters.max_price} dollars'], 'filters.in_stock': ['that are {filters.in_stock}'] },
  answer: (r) => (r.products.length ? `Found: ${r.products.map((x: { id: string; name: string }) => `${x.name} (${x.id})`).join(', ')}.` : 'Nothing matches.'),
};

const GET_PRODUCT: Intent = {
  tool: 'get_product', capability: 'look up products',
  draw: (rng) => draft('get_product', [['product_id', lit(rng.pick(PRODUCTS).id)]]),
  ask: () => ['what does product {product_id} cost', 'show me product {product_id}', 'is product {product_id} in stock', 'get the details of product {product_id}'],
  followUp: { product_id: ['and {product_id}', 'what about product {product_id}'] },
  answer: (r) => `The ${r.name} costs ${r.price} dollars, ${r.stock > 0 ? `${r.stock} in stock` : 'out of stock'}, rated ${r.rating}.`,
};

const CART: Intent = {
  tool: 'cart_total', capability: 'total shopping carts',
  draw: (rng) => {
    const lines = sample(rng, PRODUCTS, between(rng, 1, 3));
    const entries: [string, ReturnType<typeof lit>][] = [];
    const parts: string[] = [];
    lines.forEach((p, i) => {
      const q = count(rng, between(rng, 1, 5));
      entries.push([`lines.${i}.product_id`, lit(p.id)], [`lines.${i}.quantity`, q]);
      parts.push(`${q.surface} of ${p.id}`);
    });
    const code = chance(rng, 0.3) ? lit(rng.pick(['SAVE10', 'SAVE20'])) : undefined;
    return draft('cart_total', [...entries, ['discount_code', code]], { items: parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0] });
  },
  ask: () => ['what is the total for {items}', 'add up a cart with {items}', 'how much do {items} cost in total', 'total my cart: {items}'],
  optional: { discount_code: ['with the code {discount_code}', 'using discount code {discount_code}'] },
  answer: (r) => `The total is ${r.total} dollars.`,
};

export const WORLD_INTENTS: Intent[] = [
  ELEMENT, PLANET, SEARCH_FACTS, CITY, COUNTRY, DISTANCE, LOCAL_TIME, ADD_TODO, LIST_TODOS,
  { ...LIST_TODOS, tool: 'complete_todo', draw: () => draft('complete_todo', [['id', lit(1)]]), ask: () => ['mark item {id} as done'], answer: (r) => `Marked '${r.title}' as done.` },
  CREATE_EVENT,
  { ...LIST_TODOS, tool: 'list_events', capability: 'manage a calendar', draw: (rng, env) => draft('list_events', [['date', date(rng, env, env.today)]]), ask: () => ['what is on my calendar {date}'], answer: (r) => `${r.events.length} event(s) on ${r.date}.` },
  SEARCH_RECIPES, GET_RECIPE, SCALE_RECIPE, SEARCH_PRODUCTS, GET_PRODUCT, CART,
];
