// Resumable stages: a stage's folder holds its outputs and, written last, stage.json with the hash of its
// config, of the stages it read and of every file it wrote. A stage whose stage.json matches and whose
// files are intact is skipped; anything else (a changed config, a corrupted artifact) reruns it.
import { bytesHash, configHash, hashAsRecorded } from './hash.ts';
import type { RunStore } from './store.ts';

export const STAGE_FILE = 'stage.json';

/** stage.json: what ran, on what, how long, and a small summary the report reads. */
export interface StageRecord<S = unknown> {
  stage: string;
  hash: string;
  config: unknown;
  /** Hashes of the stages this one read, by folder. */
  inputs: Record<string, string>;
  /** Hash (bytesHash) of every file the stage wrote, by path; absent in records of older versions. */
  outputs?: Record<string, string>;
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

/** What a stage body may tell runStage besides its summary. */
export interface StageRun {
  /** Time this stage spent before a stop it resumes from (its checkpoint's steps), added to its elapsedMs. */
  addPriorMs(ms: number): void;
}

/**
 * Runs `body` unless `dir`/stage.json exists with the same hash of (config, input hashes); returns the
 * record either way. `body` writes its outputs under `dir` and returns the summary; it gets the stage's hash
 * (e.g. to key checkpoints of its own, stage_checkpoints.ts) and a StageRun. A resumed stage's elapsedMs is its
 * time in this process plus what the body reports from before the stop, so it reads as one uninterrupted run.
 */
export async function runStage<S>(store: RunStore, dir: string, config: unknown, inputs: Record<string, string>,
  events: StageEvents, body: (hash: string, run: StageRun) => Promise<S>): Promise<StageRecord<S>> {
  const hash = configHash({ config, inputs });
  const path = `${dir}/${STAGE_FILE}`;
  if (store.has(path)) {
    const prev = JSON.parse(await store.readText(path)) as StageRecord<S>;
    // A record from before a config field existed is compared without that field at its default (hash.ts ADDED_LATER).
    const same = prev.hash === hash || prev.hash === hashAsRecorded({ config, inputs }, { config: prev.config, inputs: prev.inputs });
    const damaged = same ? await damagedOutput(store, prev.outputs ?? {}) : undefined;
    if (same && !damaged) {
      events.log?.(`${dir}: up to date (hash ${prev.hash}), skipped`);
      return { ...prev, skipped: true };
    }
    events.log?.(damaged ? `${dir}: ${damaged}, rerunning` : `${dir}: config changed (hash ${prev.hash} -> ${hash}), rerunning`);
  }
  events.log?.(`${dir}: running`);
  const t0 = performance.now();
  const outputs: Record<string, string> = {};
  const stopRecording = recordWrites(store, (d, f, bytes) => {
    if (d === dir || d.startsWith(`${dir}/`)) outputs[`${d}/${f}`] = bytesHash(bytes);
  });
  let summary: S;
  let priorMs = 0;
  try {
    summary = await body(hash, { addPriorMs: (ms) => { priorMs += ms; } });
  } finally {
    stopRecording();
  }
  const record: StageRecord<S> = { stage: dir, hash, config, inputs, outputs, elapsedMs: Math.round(performance.now() - t0 + priorMs), finishedAt: new Date().toISOString(), summary };
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

/** Why a recorded output no longer matches (missing or changed), or undefined when all are intact. */
async function damagedOutput(store: RunStore, outputs: Record<string, string>): Promise<string | undefined> {
  for (const [p, h] of Object.entries(outputs)) {
    if (!store.has(p)) return `artifact ${p} is missing`;
    if (bytesHash(await store.readBytes(p)) !== h) return `artifact ${p} changed since the stage wrote it`;
  }
  return undefined;
}

type WriteListener = (dir: string, file: string, bytes: Uint8Array) => void;
const listeners = new WeakMap<RunStore, Set<WriteListener>>();

/** Calls `listener` for every file written through `store` until the returned function is called. */
function recordWrites(store: RunStore, listener: WriteListener): () => void {
  let set = listeners.get(store);
  if (!set) {
    const all = new Set<WriteListener>();
    const write = store.writeFiles.bind(store);
    const enc = new TextEncoder();
    store.writeFiles = async (d, files) => {
      for (const [f, c] of Object.entries(files)) for (const l of all) l(d, f, typeof c === 'string' ? enc.encode(c) : c);
      return write(d, files);
    };
    listeners.set(store, (set = all));
  }
  set.add(listener);
  return () => set.delete(listener);
}
