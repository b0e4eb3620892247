// The validation sweep's file (scripts/val_sweep.ts): its fields checked one by one, and the round samples a sweep
// re-evaluates on ("seen"). The pair filters are core's (src/core/preference/pair_filter.ts). No children here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Sample } from '../src/core/data/sample.ts';
import { roundPrompts } from '../src/core/pipeline/arm_round.ts';
import { isPairFilter, PAIR_FILTERS, type PairFilter } from '../src/core/preference/pair_filter.ts';

export interface Variant {
  name: string;
  kind: 'dpo' | 'sft';
  filter?: PairFilter;
  flags?: string[];
}

/** The loop round whose own train samples every model is also evaluated on (how much an update memorises). */
export interface SeenRound {
  /** 1-based round number. */
  round: number;
  promptsPerRound: number;
  /** The pipeline's seed (the run's `seed`). */
  seed: number;
}

export interface Sweep {
  out: string;
  model: string;
  pairs: string;
  val: string;
  train: string;
  dpo: Record<string, unknown>;
  seen?: SeenRound;
  variants: Variant[];
}

/** The samples round `seen.round` of a loop drew from its train split (the same slice the loop used). */
export function seenSamples(train: readonly Sample[], seen: SeenRound): Sample[] {
  return roundPrompts(train, seen.round - 1, seen.promptsPerRound, seen.seed);
}

/** The sweep file, checked field by field (paths resolved against the working directory). */
export function readSweep(file: string): Sweep {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<Sweep>;
  for (const key of ['out', 'model', 'pairs', 'val', 'train'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '') throw new Error(`${file}: "${key}" must be a path, got ${JSON.stringify(raw[key])}`);
  }
  if (typeof raw.dpo !== 'object' || raw.dpo === null) throw new Error(`${file}: "dpo" must be an object of dpo settings`);
  if (raw.seen !== undefined) {
    for (const key of ['round', 'promptsPerRound', 'seed'] as const) {
      const v = (raw.seen as unknown as Record<string, unknown>)?.[key];
      const min = key === 'seed' ? 0 : 1;
      if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${file}: "seen.${key}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
  }
  if (!Array.isArray(raw.variants)) throw new Error(`${file}: "variants" must be a list`);
  const names = new Set<string>(['start']);
  raw.variants.forEach((v: Partial<Variant>, i) => {
    const at = `${file}: variants[${i}]`;
    if (typeof v.name !== 'string' || !/^[\w.-]+$/.test(v.name) || names.has(v.name)) throw new Error(`${at}.name must be a new folder name (letters, digits, _ . -), got ${JSON.stringify(v.name)}`);
    names.add(v.name);
    if (v.kind !== 'dpo' && v.kind !== 'sft') throw new Error(`${at}.kind must be "dpo" or "sft", got ${JSON.stringify(v.kind)}`);
    if (v.filter !== undefined && !isPairFilter(v.filter)) throw new Error(`${at}.filter must be one of ${PAIR_FILTERS.join(', ')}, got ${JSON.stringify(v.filter)}`);
    if (v.flags !== undefined && (!Array.isArray(v.flags) || v.flags.some((f) => typeof f !== 'string'))) throw new Error(`${at}.flags must be a list of strings`);
  });
  const path = (p: string): string => resolve(p);
  return { ...(raw as Sweep), out: path(raw.out!), model: path(raw.model!), pairs: path(raw.pairs!), val: path(raw.val!), train: path(raw.train!) };
}
