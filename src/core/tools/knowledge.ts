// A small offline knowledge base shipped with the app: chemical elements, planets, and a searchable
// set of short facts. Search is plain keyword overlap, deterministic; no network, no index files.
import { functionSchema, ToolError, type Tool } from './tool.ts';

export const ELEMENTS: readonly [string, string, number, number][] = [
  ['Hydrogen', 'H', 1, 1.008], ['Helium', 'He', 2, 4.003], ['Lithium', 'Li', 3, 6.94], ['Carbon', 'C', 6, 12.011],
  ['Nitrogen', 'N', 7, 14.007], ['Oxygen', 'O', 8, 15.999], ['Fluorine', 'F', 9, 18.998], ['Neon', 'Ne', 10, 20.18],
  ['Sodium', 'Na', 11, 22.99], ['Magnesium', 'Mg', 12, 24.305], ['Aluminium', 'Al', 13, 26.982], ['Silicon', 'Si', 14, 28.085],
  ['Phosphorus', 'P', 15, 30.974], ['Sulfur', 'S', 16, 32.06], ['Chlorine', 'Cl', 17, 35.45], ['Argon', 'Ar', 18, 39.948],
  ['Potassium', 'K', 19, 39.098], ['Calcium', 'Ca', 20, 40.078], ['Iron', 'Fe', 26, 55.845], ['Copper', 'Cu', 29, 63.546],
  ['Zinc', 'Zn', 30, 65.38], ['Silver', 'Ag', 47, 107.868], ['Tin', 'Sn', 50, 118.71], ['Iodine', 'I', 53, 126.904],
  ['Platinum', 'Pt', 78, 195.084], ['Gold', 'Au', 79, 196.967], ['Mercury', 'Hg', 80, 200.592], ['Lead', 'Pb', 82, 207.2],
  ['Uranium', 'U', 92, 238.029], ['Nickel', 'Ni', 28, 58.693], ['Cobalt', 'Co', 27, 58.933], ['Titanium', 'Ti', 22, 47.867],
];

export const PLANETS: Record<string, { moons: number; diameter_km: number; distance_from_sun_mkm: number; day_hours: number }> = {
  mercury: { moons: 0, diameter_km: 4879, distance_from_sun_mkm: 57.9, day_hours: 4222.6 },
  venus: { moons: 0, diameter_km: 12104, distance_from_sun_mkm: 108.2, day_hours: 2802 },
  earth: { moons: 1, diameter_km: 12756, distance_from_sun_mkm: 149.6, day_hours: 24 },
  mars: { moons: 2, diameter_km: 6792, distance_from_sun_mkm: 228, day_hours: 24.7 },
  jupiter: { moons: 95, diameter_km: 142984, distance_from_sun_mkm: 778.5, day_hours: 9.9 },
  saturn: { moons: 146, diameter_km: 120536, distance_from_sun_mkm: 1432, day_hours: 10.7 },
  uranus: { moons: 28, diameter_km: 51118, distance_from_sun_mkm: 2867, day_hours: 17.2 },
  neptune: { moons: 16, diameter_km: 49528, distance_from_sun_mkm: 4515, day_hours: 16.1 },
};

export const FACTS: readonly { id: string; topic: string; text: string }[] = [
  { id: 'f01', topic: 'history', text: 'The printing press with movable type was developed by Johannes Gutenberg around 1440.' },
  { id: 'f02', topic: 'science', text: 'Light from the Sun takes about 8 minutes and 20 seconds to reach Earth.' },
  { id: 'f03', topic: 'science', text: 'Water boils at 100 degrees Celsius at sea level.' },
  { id: 'f04', topic: 'nature', text: 'The blue whale is the largest animal known to have lived.' },
  { id: 'f05', topic: 'nature', text: 'Honey bees communicate the location of flowers with a waggle dance.' },
  { id: 'f06', topic: 'history', text: 'The Great Wall of China was built and rebuilt over many centuries.' },
  { id: 'f07', topic: 'sport', text: 'A marathon is 42.195 kilometres long.' },
  { id: 'f08', topic: 'sport', text: 'The modern Olympic Games were first held in Athens in 1896.' },
  { id: 'f09', topic: 'music', text: 'A standard piano has 88 keys.' },
  { id: 'f10', topic: 'music', text: 'A string quartet has two violins, a viola and a cello.' },
  { id: 'f11', topic: 'space', text: 'The Moon is about 384400 kilometres from Earth.' },
  { id: 'f12', topic: 'space', text: 'Mars has two small moons, Phobos and Deimos.' },
  { id: 'f13', topic: 'food', text: 'Chocolate is made from the roasted seeds of the cacao tree.' },
  { id: 'f14', topic: 'food', text: 'Saffron comes from the dried stigmas of the crocus flower.' },
  { id: 'f15', topic: 'language', text: 'Esperanto was created by L. L. Zamenhof in 1887.' },
  { id: 'f16', topic: 'technology', text: 'The first website went online at CERN in 1991.' },
  { id: 'f17', topic: 'technology', text: 'A byte is eight bits.' },
  { id: 'f18', topic: 'nature', text: 'Octopuses have three hearts and blue blood.' },
  { id: 'f19', topic: 'geography', text: 'The Nile and the Amazon are the two longest rivers in the world.' },
  { id: 'f20', topic: 'geography', text: 'Mount Everest rises 8849 metres above sea level.' },
  { id: 'f21', topic: 'history', text: 'The Rosetta Stone helped scholars decipher Egyptian hieroglyphs.' },
  { id: 'f22', topic: 'science', text: 'Diamond and graphite are both made of carbon.' },
  { id: 'f23', topic: 'space', text: 'Jupiter is the largest planet in the solar system.' },
  { id: 'f24', topic: 'food', text: 'Tomatoes were brought to Europe from the Americas in the 16th century.' },
];
export const FACT_TOPICS = [...new Set(FACTS.map((f) => f.topic))].sort();

const tokens = (s: string): string[] => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

export const KNOWLEDGE_TOOLS: Tool[] = [
  {
    domain: 'knowledge',
    schema: functionSchema('get_element', 'Look up a chemical element by name or symbol.', {
      element: { type: 'string', description: "Element name or symbol, e.g. 'Iron' or 'Fe'." },
    }, ['element']),
    execute: (args) => {
      const q = (args.element as string).trim().toLowerCase();
      const e = ELEMENTS.find(([name, sym]) => name.toLowerCase() === q || sym.toLowerCase() === q);
      if (!e) throw new ToolError(`unknown element '${args.element}'`);
      return { name: e[0], symbol: e[1], atomic_number: e[2], atomic_mass: e[3] };
    },
  },
  {
    domain: 'knowledge',
    schema: functionSchema('get_planet', 'Facts about a planet of the solar system.', {
      planet: { type: 'string', enum: Object.keys(PLANETS), description: 'The planet.' },
    }, ['planet']),
    execute: (args) => ({ planet: args.planet, ...PLANETS[args.planet as string], diameter_unit: 'km' }),
  },
  {
    domain: 'knowledge',
    schema: functionSchema('search_facts', 'Keyword search over a small offline encyclopedia of facts.', {
      query: { type: 'string', description: 'Keywords to search for.' },
      topic: { type: 'string', enum: FACT_TOPICS, description: 'Restrict to one topic.' },
      limit: { type: 'integer', minimum: 1, maximum: 5, description: 'Maximum results (default 3).' },
    }, ['query']),
    execute: (args) => {
      const q = new Set(tokens(args.query as string));
      const scored = FACTS.filter((f) => !args.topic || f.topic === args.topic)
        .map((f) => ({ f, score: tokens(f.text).filter((t) => q.has(t)).length }))
        .filter((x) => x.score > 0)
        .sort((a, b) => b.score - a.score || a.f.id.localeCompare(b.f.id));
      return { results: scored.slice(0, (args.limit as number | undefined) ?? 3).map((x) => ({ id: x.f.id, text: x.f.text })) };
    },
  },
];
