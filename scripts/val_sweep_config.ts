// The validation sweep's file (scripts/val_sweep.ts): its fields checked one by one, and the round samples a sweep
// re-evaluates on ("seen"). The pair filters are core's (src/core/preference/pair_filter.ts). No children here.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkpointSteps } from '../src/cli/checkpoints.ts';
import type { Sample } from '../src/core/data/sample.ts';
import { roundPrompts, unusedTrainSamples } from '../src/core/pipeline/arm_round.ts';
import { isPairFilter, PAIR_FILTERS, type PairFilter } from '../src/core/preference/pair_filter.ts';
import { anchorPerPair } from '../src/core/train/anchor.ts';
import { OPTIMIZER_FILE } from '../src/core/train/optimizer_state.ts';
import { TRAINER_STATE_FILE } from '../src/core/train/trainer.ts';

export interface Variant {
  name: string;
  /** dpo / sft: trained from the sweep's model; model: a checkpoint trained elsewhere (`model`), evaluated only. */
  kind: 'dpo' | 'sft' | 'model';
  filter?: PairFilter;
  flags?: string[];
  /** dpo: its own pairs JSONL instead of the sweep's (pair kinds compared at one budget). */
  pairs?: string;
  /** kind model: the checkpoint folder (e.g. a loop run's loop/<arm>/round-1/model). */
  model?: string;
}

/**
 * Train samples no loop round drew, added to validation: a loop run of `rounds` rounds of `promptsPerRound` after a
 * warm-up of `warmupSamples` draws the first warmupSamples + rounds × promptsPerRound of its train split's shuffle
 * (roundPrompts); the rest are held out from every update, as validation is, and make its paired tests far stronger.
 */
export interface HeldOutTrain {
  rounds: number;
  promptsPerRound: number;
  warmupSamples: number;
  /** The pipeline's seed (the run's `seed`). */
  seed: number;
}

/** The loop round whose own train samples every model is also evaluated on (how much an update memorises). */
export interface SeenRound {
  /** 1-based round number. */
  round: number;
  promptsPerRound: number;
  /** The pipeline's seed (the run's `seed`). */
  seed: number;
  /** The loop's warm-up samples (loop.warmupSamples), drawn before round 1's; default 0. */
  warmupSamples?: number;
  /** false: the samples are written (an anchor file) but no model is evaluated on them; default true. */
  evaluate?: boolean;
}

export interface Sweep {
  out: string;
  model: string;
  pairs: string;
  val: string;
  train: string;
  dpo: Record<string, unknown>;
  seen?: SeenRound;
  heldOut?: HeldOutTrain;
  /** A variant every other is also tested against turn by turn (its own column), besides the start model. */
  compareTo?: string;
  variants: Variant[];
}

/**
 * The SFT anchor samples each pair of an anchored dpo variant brought to its micro-batch (train/anchor.ts): its
 * --anchor-per-pair, else the sweep's dpo.anchorPerPair, else (0, auto) ceil(anchor samples / pairs kept); undefined
 * for a variant without --anchor, or when the counts are not known. The sweep table shows it: at auto it moves with
 * the pair count, and it moved validation error more than the pairs did (EXPERIMENTS.md, "The anchor's dose").
 */
export function variantAnchorDose(sweep: Pick<Sweep, 'dpo'>, v: Variant, kept?: number, anchorSamples?: number): number | undefined {
  const flags = v.flags ?? [];
  if (v.kind !== 'dpo' || !flags.includes('--anchor')) return undefined;
  const i = flags.indexOf('--anchor-per-pair');
  const fixed = i >= 0 ? Number(flags[i + 1]) : Number(sweep.dpo.anchorPerPair ?? 0);
  if (fixed > 0) return fixed;
  return kept && anchorSamples ? anchorPerPair(anchorSamples, kept) : undefined;
}

/** The samples round `seen.round` of a loop drew from its train split (the same slice the loop used). */
export function seenSamples(train: readonly Sample[], seen: SeenRound): Sample[] {
  return roundPrompts(train, seen.round - 1, seen.promptsPerRound, seen.seed, seen.warmupSamples ?? 0);
}

/** The train samples past the ones a loop run drew (heldOut): never trained on by any of its rounds. */
export function heldOutSamples(train: readonly Sample[], h: HeldOutTrain): Sample[] {
  return unusedTrainSamples(train, h.warmupSamples + h.rounds * h.promptsPerRound, h.seed);
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
    const { warmupSamples: w, evaluate: e } = raw.seen;
    if (w !== undefined && (!Number.isInteger(w) || w < 0)) throw new Error(`${file}: "seen.warmupSamples" must be an integer >= 0, got ${JSON.stringify(w)}`);
    if (e !== undefined && typeof e !== 'boolean') throw new Error(`${file}: "seen.evaluate" must be true or false, got ${JSON.stringify(e)}`);
  }
  if (raw.heldOut !== undefined) {
    for (const key of ['rounds', 'promptsPerRound', 'warmupSamples', 'seed'] as const) {
      const v = (raw.heldOut as unknown as Record<string, unknown>)?.[key];
      const min = key === 'rounds' || key === 'promptsPerRound' ? 1 : 0;
      if (!Number.isInteger(v) || (v as number) < min) throw new Error(`${file}: "heldOut.${key}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
  }
  if (!Array.isArray(raw.variants)) throw new Error(`${file}: "variants" must be a list`);
  const names = new Set<string>(['start']);
  raw.variants.forEach((v: Partial<Variant>, i) => {
    const at = `${file}: variants[${i}]`;
    if (typeof v.name !== 'string' || !/^[\w.-]+$/.test(v.name) || names.has(v.name)) throw new Error(`${at}.name must be a new folder name (letters, digits, _ . -), got ${JSON.stringify(v.name)}`);
    names.add(v.name);
    if (v.kind !== 'dpo' && v.kind !== 'sft' && v.kind !== 'model') throw new Error(`${at}.kind must be "dpo", "sft" or "model", got ${JSON.stringify(v.kind)}`);
    if (v.kind === 'model' && (typeof v.model !== 'string' || v.model === '')) throw new Error(`${at}.model must be a checkpoint folder (kind "model" evaluates one), got ${JSON.stringify(v.model)}`);
    if (v.kind !== 'model' && v.model !== undefined) throw new Error(`${at}.model is for kind "model" only`);
    if (v.pairs !== undefined && (v.kind !== 'dpo' || typeof v.pairs !== 'string' || v.pairs === '')) throw new Error(`${at}.pairs must be a pairs JSONL path, and only a dpo variant has its own`);
    if (v.filter !== undefined && !isPairFilter(v.filter)) throw new Error(`${at}.filter must be one of ${PAIR_FILTERS.join(', ')}, got ${JSON.stringify(v.filter)}`);
    if (v.flags !== undefined && (!Array.isArray(v.flags) || v.flags.some((f) => typeof f !== 'string'))) throw new Error(`${at}.flags must be a list of strings`);
  });
  if (raw.compareTo !== undefined && !raw.variants.some((v: Partial<Variant>) => v.name === raw.compareTo)) {
    throw new Error(`${file}: "compareTo" must name a variant, got ${JSON.stringify(raw.compareTo)}`);
  }
  const path = (p: string): string => resolve(p);
  const variants = (raw.variants as Variant[]).map((v) => ({ ...v, ...(v.pairs ? { pairs: path(v.pairs) } : {}), ...(v.model ? { model: path(v.model) } : {}) }));
  return { ...(raw as Sweep), variants, out: path(raw.out!), model: path(raw.model!), pairs: path(raw.pairs!), val: path(raw.val!), train: path(raw.train!) };
}

/** Steps between a dpo variant's checkpoints: a sweep stopped mid-variant (a session's end) resumes from the last one. */
export const SWEEP_CHECKPOINT_EVERY = 25;

/**
 * How a dpo variant's training starts in `out`: `--resume` when a stopped run left a checkpoint with its trainer state
 * and optimizer (the CLI then takes the newest complete one), else afresh with `--overwrite`.
 */
export function dpoStartFlags(out: string): string[] {
  const complete = checkpointSteps(out).some((step) => [TRAINER_STATE_FILE, OPTIMIZER_FILE].every((f) => existsSync(join(out, `checkpoint-${step}`, f))));
  return [complete ? '--resume' : '--overwrite', '--checkpoint-every', String(SWEEP_CHECKPOINT_EVERY)];
}
