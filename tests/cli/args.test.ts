import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, type OptionSpec } from '../../src/cli/args.ts';

const spec: OptionSpec[] = [
  { name: 'n', type: 'int', help: 'count', default: 5 },
  { name: 'out', type: 'string', help: 'dir', required: true },
  { name: 'mode', type: 'string', help: 'mode', choices: ['a', 'b'], default: 'a' },
  { name: 'fast', type: 'boolean', help: 'fast' },
];

describe('parseArgs', () => {
  it('parses values, defaults and booleans', () => {
    expect(parseArgs(['--out', 'x', '--n=7', '--fast'], spec)).toEqual({ out: 'x', n: 7, mode: 'a', fast: true });
  });
  it.each([
    [['--n', '3'], /missing required option --out/],
    [['--out', 'x', '--n', '2.5'], /--n must be an integer/],
    [['--out', 'x', '--n', 'abc'], /--n must be a number/],
    [['--out', 'x', '--mode', 'c'], /--mode must be one of a, b/],
    [['--out', 'x', '--bogus', '1'], /unknown option --bogus/],
    [['--out'], /--out needs a value/],
    [['stray'], /unexpected argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv as string[], spec)).toThrow(UsageError);
    expect(() => parseArgs(argv as string[], spec)).toThrow(message as RegExp);
  });
});
