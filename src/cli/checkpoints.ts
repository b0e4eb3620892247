// Training checkpoints on disk: a checkpoint-<step>/ folder counts only once it is complete (written
// into a temporary folder and renamed into place last); resume takes the newest complete one and names
// the ones it skips. Also the run's metrics.jsonl and run.json (what a resume must match).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl, formatLineError } from '../core/data/jsonl.ts';
import { parseJsonText } from '../core/runtime/file_source.ts';
import { OPTIMIZER_FILE } from '../core/train/optimizer_state.ts';
import { TRAINER_STATE_FILE, type TrainerState } from '../core/train/trainer.ts';
import { UsageError } from './args.ts';
import { writeDirAtomic, writeFileAtomic } from './atomic_write.ts';
import { dirSource } from './files.ts';
import type { FileSource } from '../core/runtime/file_source.ts';

/** Writes `<out>/<name>/` whole (temp folder + rename) and returns its path. */
export function saveCheckpoint(out: string, name: string, files: Record<string, Uint8Array>): string {
  const dir = join(out, name);
  writeDirAtomic(dir, files);
  return dir;
}

/** checkpoint-<step> folders of `out`, newest first. */
export function checkpointSteps(out: string): number[] {
  if (!existsSync(out)) return [];
  return readdirSync(out).map((f) => /^checkpoint-(\d+)$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => b - a);
}

/** A checkpoint that resume can continue from. */
export interface ResumePoint<T> {
  dir: string;
  src: FileSource;
  state: TrainerState;
  optimizer: Uint8Array;
  /** What `load` made of the folder (model weights, adapters). */
  loaded: T;
}

/**
 * The newest checkpoint of `out` whose files are all there and load; each newer one that is
 * incomplete or corrupt (a run killed while writing it) is reported through `warn` and skipped.
 */
export async function newestCompleteCheckpoint<T>(out: string, load: (src: FileSource) => Promise<T>, warn: (line: string) => void): Promise<ResumePoint<T>> {
  const steps = checkpointSteps(out);
  if (!steps.length) throw new UsageError(`--resume: no checkpoint-<step> folder in ${out}`);
  for (const step of steps) {
    const dir = join(out, `checkpoint-${step}`);
    try {
      const src = dirSource(dir);
      for (const f of [TRAINER_STATE_FILE, OPTIMIZER_FILE]) if (!src.has(f)) throw new Error(`missing ${f}`);
      const state = parseJsonText(await src.readText(TRAINER_STATE_FILE), `${dir}/${TRAINER_STATE_FILE}`) as TrainerState;
      if (!state || typeof state.step !== 'number' || state.step !== step) throw new Error(`${TRAINER_STATE_FILE} does not describe step ${step}`);
      const loaded = await load(src);
      return { dir, src, state, optimizer: await src.read(OPTIMIZER_FILE), loaded };
    } catch (err) {
      warn(`resume: skipping ${dir}, incomplete or corrupt (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  throw new Error(`--resume: no complete checkpoint in ${out} (${steps.length} incomplete); start again with --overwrite`);
}

/**
 * Keeps the lines of metrics.jsonl up to `step` (a crashed run may have logged past its last
 * checkpoint, or torn its last line); unreadable lines are named through `warn` and dropped.
 */
export function keepMetricsUpTo(path: string, step: number, warn: (line: string) => void): void {
  if (!existsSync(path)) return;
  const { rows, errors } = readJsonl(readFileSync(path, 'utf8'), path);
  for (const e of errors) warn(`dropping ${formatLineError(e)}`);
  const kept = rows.map((r) => r.value as { step?: unknown }).filter((m) => typeof m?.step === 'number' && m.step <= step);
  writeFileAtomic(path, kept.map((m) => JSON.stringify(m) + '\n').join(''));
}

export const RUN_FILE = 'run.json';

/** run.json: the inputs a run was started on, so --resume refuses other data. */
export interface RunManifest {
  command: string;
  /** Input files by flag: path, size and SHA-256 of the bytes. */
  inputs: Record<string, { path: string; bytes: number; sha256: string }>;
  /** `ttpa dpo`: how many of the file's pairs dpo.pairFilter kept for training. */
  pairs?: { filter: string; kept: number; of: number };
}

export function fileDigest(path: string): { path: string; bytes: number; sha256: string } {
  const bytes = readFileSync(path);
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function writeRunManifest(dir: string, manifest: RunManifest): void {
  writeFileAtomic(join(dir, RUN_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

/** Refuses a resume whose inputs differ from the ones recorded in run.json (older runs have none: accepted). */
export function checkResumeInputs(dir: string, manifest: RunManifest): void {
  const path = join(dir, RUN_FILE);
  if (!existsSync(path)) return;
  const saved = parseJsonText(readFileSync(path, 'utf8'), path) as Partial<RunManifest>;
  for (const [flag, now] of Object.entries(manifest.inputs)) {
    const then = saved.inputs?.[flag];
    if (then && then.sha256 !== now.sha256) {
      throw new UsageError(`--resume: --${flag} ${now.path} is not the file this run started on (${then.path}, ${then.bytes} bytes, sha256 ${then.sha256.slice(0, 12)}...); resume with the same --${flag}, or start a new run with --overwrite`);
    }
  }
}

/**
 * Refuses settings given with --resume that differ from the checkpoint's (only `steps` may change:
 * extending a run is allowed), so a resumed run is the run it continues.
 */
export function checkResumeSettings(saved: Record<string, unknown>, given: Record<string, unknown>, scope: string): void {
  const changed = Object.entries(given).filter(([k, v]) => k !== 'steps' && v !== undefined && k in saved && JSON.stringify(saved[k]) !== JSON.stringify(v));
  if (changed.length) {
    const list = changed.map(([k, v]) => `${scope}.${k} ${JSON.stringify(saved[k])} -> ${JSON.stringify(v)}`).join(', ');
    throw new UsageError(`--resume continues the saved run, but these settings differ from its checkpoint: ${list}; drop them, or start a new run with --overwrite`);
  }
}
