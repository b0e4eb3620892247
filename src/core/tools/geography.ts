// Geography tools over the shipped city/country tables: lookups, great-circle distances, local
// times at fixed UTC offsets (daylight saving is deliberately ignored).
import { CITIES, COUNTRIES } from './geo_data.ts';
import { functionSchema, roundTo, ToolError, type Tool } from './tool.ts';

const norm = (s: string): string => s.trim().toLowerCase();
function city(name: string) {
  const found = CITIES.find((x) => norm(x.name) === norm(name));
  if (!found) throw new ToolError(`unknown city '${name}'`);
  return found;
}
function country(name: string) {
  const found = COUNTRIES.find((x) => norm(x.name) === norm(name));
  if (!found) throw new ToolError(`unknown country '${name}'`);
  return found;
}

/** Haversine distance in km on a sphere of radius 6371 km. */
function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

const fmtTime = (minutes: number): string => {
  const m = ((Math.round(minutes) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

export const GEOGRAPHY_TOOLS: Tool[] = [
  {
    domain: 'geography',
    schema: functionSchema('get_city_info', 'Country, population, coordinates and UTC offset of a city.', {
      city: { type: 'string', description: "City name, e.g. 'Lisbon'." },
    }, ['city']),
    execute: (args) => {
      const x = city(args.city as string);
      return { city: x.name, country: x.country, population: x.population_k * 1000, lat: x.lat, lon: x.lon, utc_offset: x.utc_offset };
    },
  },
  {
    domain: 'geography',
    schema: functionSchema('get_country_info', 'Capital, currency code, continent, population (millions) and main language of a country.', {
      country: { type: 'string', description: 'Country name.' },
      fields: { type: 'array', items: { type: 'string', enum: ['capital', 'currency', 'continent', 'population_m', 'language'] }, description: 'Return only these fields (default all).' },
    }, ['country']),
    execute: (args) => {
      const x = country(args.country as string);
      const fields = (args.fields as string[] | undefined) ?? ['capital', 'currency', 'continent', 'population_m', 'language'];
      return { country: x.name, ...Object.fromEntries(fields.map((f) => [f, x[f as keyof typeof x]])) };
    },
  },
  {
    domain: 'geography',
    schema: functionSchema('city_distance', 'Great-circle distance between two cities.', {
      from_city: { type: 'string', description: 'First city.' },
      to_city: { type: 'string', description: 'Second city.' },
      unit: { type: 'string', enum: ['km', 'mi'], description: 'Distance unit (default km).' },
    }, ['from_city', 'to_city']),
    execute: (args) => {
      const km = haversineKm(city(args.from_city as string), city(args.to_city as string));
      const unit = (args.unit as string | undefined) ?? 'km';
      return { distance: Math.round(unit === 'mi' ? km / 1.609344 : km), unit };
    },
  },
  {
    domain: 'geography',
    schema: functionSchema('local_time', 'Convert a time of day from one city to another (fixed UTC offsets).', {
      time: { type: 'string', pattern: '^\\d{2}:\\d{2}$', description: '24-hour time HH:MM in the source city.' },
      from_city: { type: 'string', description: 'City where the time is given.' },
      to_city: { type: 'string', description: 'City whose local time is wanted.' },
    }, ['time', 'from_city', 'to_city']),
    execute: (args) => {
      const [h, m] = (args.time as string).split(':').map(Number);
      if (h > 23 || m > 59) throw new ToolError(`'${args.time}' is not a valid time`);
      const a = city(args.from_city as string);
      const b = city(args.to_city as string);
      const minutes = h * 60 + m + (b.utc_offset - a.utc_offset) * 60;
      const dayShift = Math.floor(minutes / 1440);
      return { time: fmtTime(minutes), city: b.name, day_shift: dayShift, offset_hours: roundTo(b.utc_offset - a.utc_offset, 1) };
    },
  },
];
