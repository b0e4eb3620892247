// Configuration of reversed dataset construction: sizes, category mix, tool-subset shape, split.
// Plain JSON, frozen defaults; resolveDataConfig merges overrides and names the bad field.
import type { SampleCategory } from './sample.ts';

export interface DataConfig {
  /** Number of samples to generate. */
  n: number;
  seed: number;
  /** Category shares; normalised, need not sum to 1. */
  mix: Record<SampleCategory, number>;
  /** Distractor tools offered beside the used ones: an integer drawn in [min, max]. */
  distractors: { min: number; max: number };
  /** Probability that a date value is stated relative to "today" (then today goes in the system prompt). */
  relativeDateRate: number;
  /** Shares of validation and test samples; the rest is train. */
  split: { val: number; test: number };
  /** Redraws of a sample whose calls fail before generation gives up. */
  maxRetries: number;
}

export const DEFAULT_DATA_CONFIG: Readonly<DataConfig> = Object.freeze({
  n: 1000,
  seed: 1,
  mix: Object.freeze({ single: 0.4, multi_step: 0.25, parallel: 0.15, multi_turn: 0.1, irrelevance: 0.1 }),
  distractors: Object.freeze({ min: 1, max: 3 }),
  relativeDateRate: 0.5,
  split: Object.freeze({ val: 0.05, test: 0.1 }),
  maxRetries: 20,
}) as Readonly<DataConfig>;

export type DataConfigOverrides = Partial<Omit<DataConfig, 'mix' | 'distractors' | 'split'>> & {
  mix?: Partial<DataConfig['mix']>;
  distractors?: Partial<DataConfig['distractors']>;
  split?: Partial<DataConfig['split']>;
};

export function resolveDataConfig(overrides: DataConfigOverrides = {}): DataConfig {
  const d = DEFAULT_DATA_CONFIG;
  const known = new Set(Object.keys(d));
  for (const k of Object.keys(overrides)) if (!known.has(k)) throw new Error(`data.${k} is not a data config field`);
  for (const k of Object.keys(overrides.mix ?? {})) if (!Object.hasOwn(d.mix, k)) throw new Error(`data.mix.${k} is not a sample category`);
  const c: DataConfig = {
    ...d, ...overrides,
    mix: { ...d.mix, ...overrides.mix },
    distractors: { ...d.distractors, ...overrides.distractors },
    split: { ...d.split, ...overrides.split },
  } as DataConfig;
  const fail = (field: string, rule: string, got: unknown): never => {
    throw new Error(`data.${field} must be ${rule}, got ${JSON.stringify(got)}`);
  };
  if (!Number.isInteger(c.n) || c.n < 1) fail('n', 'an integer >= 1', c.n);
  if (!Number.isInteger(c.seed)) fail('seed', 'an integer', c.seed);
  for (const [k, v] of Object.entries(c.mix)) if (typeof v !== 'number' || !(v >= 0)) fail(`mix.${k}`, '>= 0', v);
  if (Object.values(c.mix).reduce((s, v) => s + v, 0) <= 0) fail('mix', 'positive in at least one category', c.mix);
  if (!Number.isInteger(c.distractors.min) || c.distractors.min < 0) fail('distractors.min', 'an integer >= 0', c.distractors.min);
  if (!Number.isInteger(c.distractors.max) || c.distractors.max < c.distractors.min) fail('distractors.max', 'an integer >= distractors.min', c.distractors.max);
  if (!(c.relativeDateRate >= 0 && c.relativeDateRate <= 1)) fail('relativeDateRate', 'in [0, 1]', c.relativeDateRate);
  if (!(c.split.val >= 0) || !(c.split.test >= 0) || c.split.val + c.split.test >= 1) fail('split', 'val >= 0, test >= 0, val + test < 1', c.split);
  if (!Number.isInteger(c.maxRetries) || c.maxRetries < 1) fail('maxRetries', 'an integer >= 1', c.maxRetries);
  return c;
}
