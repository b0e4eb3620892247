// Unit conversion tools (length, mass, temperature, volume) with exact conversion factors.
// Units are fixed enums; compound units and free-text unit names are not supported.
import { functionSchema, roundTo, type Tool } from './tool.ts';

/** Factors to the base unit (metre, gram, litre). */
export const LENGTH_M: Record<string, number> = { mm: 0.001, cm: 0.01, m: 1, km: 1000, in: 0.0254, ft: 0.3048, yd: 0.9144, mi: 1609.344 };
export const MASS_G: Record<string, number> = { mg: 0.001, g: 1, kg: 1000, oz: 28.349523125, lb: 453.59237 };
export const VOLUME_L: Record<string, number> = { ml: 0.001, l: 1, cup: 0.2365882365, pint: 0.473176473, gal: 3.785411784 };

function factorTool(name: string, what: string, table: Record<string, number>): Tool {
  const units = Object.keys(table);
  return {
    domain: 'units',
    schema: functionSchema(name, `Convert a ${what} between units.`, {
      value: { type: 'number', description: `The ${what} to convert.` },
      from_unit: { type: 'string', enum: units, description: 'Unit of the value.' },
      to_unit: { type: 'string', enum: units, description: 'Unit to convert to.' },
    }, ['value', 'from_unit', 'to_unit']),
    execute: (args) => ({
      value: roundTo(((args.value as number) * table[args.from_unit as string]) / table[args.to_unit as string], 3),
      unit: args.to_unit,
    }),
  };
}

const toKelvin: Record<string, (x: number) => number> = { c: (x) => x + 273.15, f: (x) => ((x - 32) * 5) / 9 + 273.15, k: (x) => x };
const fromKelvin: Record<string, (x: number) => number> = { c: (x) => x - 273.15, f: (x) => ((x - 273.15) * 9) / 5 + 32, k: (x) => x };

export const UNIT_TOOLS: Tool[] = [
  factorTool('convert_length', 'length', LENGTH_M),
  factorTool('convert_mass', 'mass', MASS_G),
  factorTool('convert_volume', 'volume', VOLUME_L),
  {
    domain: 'units',
    schema: functionSchema('convert_temperature', 'Convert a temperature between Celsius (c), Fahrenheit (f) and Kelvin (k).', {
      value: { type: 'number', description: 'The temperature.' },
      from_unit: { type: 'string', enum: ['c', 'f', 'k'], description: 'Scale of the value.' },
      to_unit: { type: 'string', enum: ['c', 'f', 'k'], description: 'Scale to convert to.' },
    }, ['value', 'from_unit', 'to_unit']),
    execute: (args) => ({
      value: roundTo(fromKelvin[args.to_unit as string](toKelvin[args.from_unit as string](args.value as number)), 2),
      unit: args.to_unit,
    }),
  },
];
