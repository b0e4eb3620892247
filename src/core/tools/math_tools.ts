// Arithmetic and statistics tools. Operations are a fixed enum dispatched in code: no expression
// strings are parsed or evaluated.
import { functionSchema, roundTo, ToolError, type Tool } from './tool.ts';

const OPS: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => {
    if (b === 0) throw new ToolError('division by zero');
    return a / b;
  },
  power: (a, b) => a ** b,
  modulo: (a, b) => {
    if (b === 0) throw new ToolError('modulo by zero');
    return a % b;
  },
};

const MEASURES = ['mean', 'median', 'min', 'max', 'sum', 'stdev'] as const;

function measure(m: string, xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const sum = xs.reduce((s, x) => s + x, 0);
  const mean = sum / xs.length;
  switch (m) {
    case 'mean': return mean;
    case 'median': {
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
    case 'min': return sorted[0];
    case 'max': return sorted[sorted.length - 1];
    case 'sum': return sum;
    default: return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length); // population stdev
  }
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

export const MATH_TOOLS: Tool[] = [
  {
    domain: 'math',
    schema: functionSchema('calculate', 'Apply one arithmetic operation to two numbers.', {
      operation: { type: 'string', enum: Object.keys(OPS), description: 'The operation to apply.' },
      a: { type: 'number', description: 'First operand.' },
      b: { type: 'number', description: 'Second operand.' },
    }, ['operation', 'a', 'b']),
    execute: (args) => ({ result: roundTo(OPS[args.operation as string](args.a as number, args.b as number), 4) }),
  },
  {
    domain: 'math',
    schema: functionSchema('compute_statistics', 'Summary statistics of a list of numbers.', {
      numbers: { type: 'array', items: { type: 'number' }, minItems: 1, description: 'The data.' },
      measures: { type: 'array', items: { type: 'string', enum: [...MEASURES] }, description: 'Which statistics to return (default: mean).' },
      decimals: { type: 'integer', minimum: 0, maximum: 6, description: 'Decimals to round to (default 2).' },
    }, ['numbers']),
    execute: (args) => {
      const xs = args.numbers as number[];
      const ms = (args.measures as string[] | undefined) ?? ['mean'];
      const d = (args.decimals as number | undefined) ?? 2;
      return Object.fromEntries(ms.map((m) => [m, roundTo(measure(m, xs), d)]));
    },
  },
  {
    domain: 'math',
    schema: functionSchema('percentage', 'Take a percentage of a value, or increase/decrease a value by a percentage.', {
      value: { type: 'number', description: 'The base value.' },
      percent: { type: 'number', description: 'The percentage, e.g. 15 for 15%.' },
      mode: { type: 'string', enum: ['of', 'increase', 'decrease'], description: "'of' (default) gives percent% of value." },
    }, ['value', 'percent']),
    execute: (args) => {
      const v = args.value as number;
      const p = (args.percent as number) / 100;
      const mode = (args.mode as string | undefined) ?? 'of';
      return { result: roundTo(mode === 'of' ? v * p : mode === 'increase' ? v * (1 + p) : v * (1 - p), 2) };
    },
  },
  {
    domain: 'math',
    schema: functionSchema('check_prime', 'Tell whether a whole number is prime, with its smallest divisor if not.', {
      n: { type: 'integer', minimum: 0, maximum: 1e9, description: 'The number to test.' },
    }, ['n']),
    execute: (args) => {
      const n = args.n as number;
      if (isPrime(n)) return { n, is_prime: true };
      let d = 2;
      while (n >= 2 && n % d !== 0) d++;
      return { n, is_prime: false, smallest_divisor: n < 2 ? null : d };
    },
  },
];
