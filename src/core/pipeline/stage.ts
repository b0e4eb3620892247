// Resumable stages: a stage's folder holds its outputs and, written last, stage.json with the hash of its
// config and of the stages it read. A stage whose stage.json matches is skipped; anything else reruns it.
import { configHash } from './hash.ts';
import type { RunStore } from './store.ts';

export const STAGE_FILE = 'stage.json';

/** stage.json: what ran, on what, how long, and a small summary the report reads. */
export interface StageRecord<S = unknown> {
  stage: string;
  hash: string;
  config: unknown;
  /** Hashes of the stages this one read, by folder. */
  inputs: Record<string, string>;
  elapsedMs: number;
  finishedAt: string;
  summary: S;
  /** Set (not saved) when this call found the stage up to date and did not run it. */
  skipped?: boolean;
}

export interface StageEvents {
  /** A line of progress text. */
  log?(line: string): void;
  /** Structured progress of the running stage. */
  progress?(stage: string, done: number, total: number): void;
}

/**
 * Runs `body` unless `dir`/stage.json exists with the same hash of (config, input hashes); returns the
 * record either way. `body` writes its outputs under `dir` and returns the summary.
 */
export async function runStage<S>(store: RunStore, dir: string, config: unknown, inputs: Record<string, string>,
  events: StageEvents, body: () => Promise<S>): Promise<StageRecord<S>> {
  const hash = configHash({ config, inputs });
  const path = `${dir}/${STAGE_FILE}`;
  if (store.has(path)) {
    const prev = JSON.parse(await store.readText(path)) as StageRecord<S>;
    if (prev.hash === hash) {
      events.log?.(`${dir}: up to date (hash ${hash}), skipped`);
      return { ...prev, skipped: true };
    }
    events.log?.(`${dir}: config changed (hash ${prev.hash} -> ${hash}), rerunning`);
  }
  events.log?.(`${dir}: running`);
  const t0 = performance.now();
  const summary = await body();
  const record: StageRecord<S> = { stage: dir, hash, config, inputs, elapsedMs: Math.round(performance.now() - t0), finishedAt: new Date().toISOString(), summary };
  await store.writeFiles(dir, { [STAGE_FILE]: JSON.stringify(record, null, 2) + '\n' });
  events.log?.(`${dir}: done in ${(record.elapsedMs / 1000).toFixed(1)} s`);
  return record;
}

/** The record of a finished stage (for running a later stage alone); throws naming the missing stage. */
export async function readStage<S>(store: RunStore, dir: string): Promise<StageRecord<S>> {
  const path = `${dir}/${STAGE_FILE}`;
  if (!store.has(path)) throw new Error(`${store.name}: stage ${dir} has not run (no ${path})`);
  return JSON.parse(await store.readText(path)) as StageRecord<S>;
}
