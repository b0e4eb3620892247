// Minimal, strict argument parsing shared by every CLI command: --flag value / --flag=value / --bool.
// It does not read files or environment: commands decide what the values mean.

/** One option a command accepts. */
export interface OptionSpec {
  name: string;
  type: 'string' | 'number' | 'int' | 'boolean';
  help: string;
  required?: boolean;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** A 'string' option that also collects the bare (non --flag) arguments, in order, as a string[]. */
  positional?: boolean;
}

/** A CLI command: its options, help text and its body. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  options: OptionSpec[];
  run(args: ParsedArgs): Promise<number>;
}

export type ParsedArgs = Record<string, string | number | boolean | string[] | undefined>;

/** Error raised for bad command-line input; main prints its message and exits 2. */
export class UsageError extends Error {}

export function parseArgs(argv: string[], options: OptionSpec[]): ParsedArgs {
  const byName = new Map(options.map((o) => [o.name, o]));
  const out: ParsedArgs = {};
  const positional = options.find((o) => o.positional);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--') && positional) {
      out[positional.name] = [...((out[positional.name] as string[] | undefined) ?? []), token];
      continue;
    }
    if (!token.startsWith('--')) throw new UsageError(`unexpected argument '${token}'`);
    const eq = token.indexOf('=');
    const name = eq >= 0 ? token.slice(2, eq) : token.slice(2);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    let raw: string;
    if (spec.type === 'boolean') {
      raw = eq >= 0 ? token.slice(eq + 1) : 'true';
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`--${name} must be true or false, got '${raw}'`);
      out[name] = raw === 'true';
      continue;
    }
    if (eq >= 0) raw = token.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      raw = argv[++i];
    }
    out[name] = convert(spec, raw);
  }
  for (const spec of options) {
    if (out[spec.name] === undefined && spec.default !== undefined) out[spec.name] = spec.default;
    if (spec.required && out[spec.name] === undefined) throw new UsageError(`missing required option --${spec.name}`);
  }
  return out;
}

function convert(spec: OptionSpec, raw: string): string | number {
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
    }
    return raw;
  }
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${spec.name} must be a number, got '${raw}'`);
  if (spec.type === 'int' && !Number.isInteger(value)) throw new UsageError(`--${spec.name} must be an integer, got '${raw}'`);
  return value;
}

export function formatHelp(cmd: Command): string {
  const lines = [`ttpa ${cmd.name}: ${cmd.summary}`, '', 'Options:'];
  for (const o of cmd.options) {
    const value = o.type === 'boolean' ? '' : ` <${o.choices ? o.choices.join('|') : o.type}>`;
    const extra = o.required ? ' (required)' : o.default !== undefined ? ` (default: ${o.default})` : '';
    lines.push(`  --${o.name}${value}`.padEnd(34) + `${o.help}${extra}`);
  }
  lines.push('  --help'.padEnd(34) + 'show this help');
  return lines.join('\n');
}

/** Typed accessors: options were validated by parseArgs, these only narrow the types. */
export const str = (a: ParsedArgs, k: string): string => a[k] as string;
export const optStr = (a: ParsedArgs, k: string): string | undefined => a[k] as string | undefined;
export const num = (a: ParsedArgs, k: string): number => a[k] as number;
export const optNum = (a: ParsedArgs, k: string): number | undefined => a[k] as number | undefined;
export const bool = (a: ParsedArgs, k: string): boolean => a[k] === true;
/** The bare arguments collected by a `positional` option (empty if none). */
export const list = (a: ParsedArgs, k: string): string[] => {
  const v = a[k];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};

/** sft/dpo `gradientCheckpointing` (train/config.ts): recompute each layer in the backward pass. */
export const GRADIENT_CHECKPOINTING_OPTION: OptionSpec = {
  name: 'gradient-checkpointing', type: 'string', choices: ['auto', 'on', 'off'],
  help: 'recompute each layer in the backward pass, keeping only layer inputs (auto: only when the step would not fit the backend\'s memory without it)',
};
