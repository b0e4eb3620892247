// Builds a `ttpa pairs` file sample by sample: each finished sample's pairs are appended to the pairs
// file, then its line to the progress file (pairs_progress.ts), so a killed build continues where it
// stopped and ends byte-identical to an uninterrupted one. Argument parsing is commands/pairs.ts.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { buildItems, pairItems, type BuildProgress, type PairItem } from '../core/preference/build_pairs.ts';
import type { PreferenceConfig } from '../core/preference/config.ts';
import { pairStats, type PairFacts, type PairStats } from '../core/preference/stats.ts';
import { pairToTrl, trlDedupeKey, trlPairFacts, type TrlPreferenceRecord } from '../core/preference/trl_export.ts';
import type { Sample } from '../core/data/sample.ts';
import type { Model } from '../core/model/params.ts';
import { disposeModel } from '../core/model/params.ts';
import type { Tokenizer } from '../core/tokenizer/tokenizer.ts';
import { UsageError } from './args.ts';
import { readNamed, writeFiles } from './files.ts';
import {
  checkEntryOrder, committedEntries, fileSize, identityDifference, progressPath, readProgress, shardSamples, statsPath,
  type PairsIdentity, type Progress, type ProgressHeader, type SampleEntry,
} from './pairs_progress.ts';
import { claimOutputs } from './run_folder.ts';

export interface PairsFileJob {
  out: string;
  samples: readonly Sample[];
  identity: PairsIdentity;
  /** For the progress header (people read it; identity decides). */
  paths: { model: string; data: string };
  /** Start over: the old pairs, progress and stats files are removed once the model has loaded (kept when stopped before). */
  overwrite: boolean;
  /** Loads the policy, only when something is left to build; the build disposes it. */
  loadModel: () => Promise<{ model: Model; tokenizer: Tokenizer }>;
  /** Stops after the sample in progress; the next run continues from there. */
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
  log?: (line: string) => void;
}

export interface PairsFileResult {
  /** Samples done (this shard), of `total`. */
  done: number;
  total: number;
  /** Samples that were already done when this run started. */
  resumed: number;
  /** Present once every sample is done (the stats file is then written). */
  stats?: PairStats;
}

/** Identity of a pair record for de-duplication (a digest, so a long build's set stays small). */
export const pairKey = (r: TrlPreferenceRecord): string => createHash('sha1').update(trlDedupeKey(r)).digest('base64');

/** The pair lines (without newlines) in the first `end` bytes of a pairs file and their records; errors name the file and line. */
export function readPairLines(path: string, end: number): { lines: string[]; records: TrlPreferenceRecord[] } {
  if (end === 0) return { lines: [], records: [] };
  const lines = readNamed(path).subarray(0, end).toString('utf8').split('\n');
  lines.pop(); // `end` is just past a newline
  const records = lines.map((line, k) => {
    try {
      return JSON.parse(line) as TrlPreferenceRecord;
    } catch {
      throw new UsageError(`${path} line ${k + 1} is not a pair record: the file was changed outside ttpa pairs; give --overwrite to start the build over`);
    }
  });
  return { lines, records };
}

/** The stats file (name and text): the settings, the backend, the shard when there is one, and pairStats. */
export function statsFile(out: string, identity: PairsIdentity, stats: PairStats): Record<string, string> {
  const shard = identity.shard ? { shard: `${identity.shard.index}/${identity.shard.count}` } : {};
  return { [basename(statsPath(out))]: JSON.stringify({ config: identity.preference, backend: identity.backend, ...shard, ...stats }, null, 2) + '\n' };
}

/** pairStats from the progress entries and the pairs file's facts; elapsedMs is the sum of the samples' build times. */
export function statsOf(config: PreferenceConfig, entries: readonly SampleEntry[], facts: readonly PairFacts[]): PairStats {
  const sum = (f: (e: SampleEntry) => number): number => entries.reduce((s, e) => s + f(e), 0);
  return pairStats(config.mode, entries.flatMap((e) => e.outcomes), facts, {
    duplicatesRemoved: sum((e) => e.duplicates),
    skippedTooLong: sum((e) => e.skipped.prompt_too_long),
    skippedLongAnswer: sum((e) => e.skipped.answer_too_long),
    elapsedMs: sum((e) => e.ms),
  });
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** What a run finds: a build to continue (its first `kept` entries are whole) or none. */
interface Found {
  progress?: Progress;
  kept: number;
}

/** Reads what is there and refuses what cannot be continued; changes nothing on disk. */
function inspect(job: PairsFileJob, order: readonly number[]): Found {
  const pPath = progressPath(job.out);
  if (job.overwrite) return { kept: 0 };
  const progress = readProgress(pPath);
  if (!progress) {
    claimOutputs([job.out, statsPath(job.out)], false);
    return { kept: 0 };
  }
  const was = progress.header.identity;
  const diff = identityDifference(was, job.identity);
  if (diff) {
    const total = shardSamples(was.samples ?? 0, was.shard ?? null).length;
    throw new UsageError(`${job.out} was built (${progress.entries.length}/${total} samples, ${pPath}) with other settings: ${diff}; run with the build's settings to continue it, or give --overwrite to start over`);
  }
  checkEntryOrder(progress, order);
  return { progress, kept: committedEntries(progress, fileSize(job.out)) };
}

/** Makes the files match `found`: a fresh build's header and empty pairs file, or a build cut back to its whole samples. */
function prepare(job: PairsFileJob, found: Found): { entries: SampleEntry[]; end: number } {
  const pPath = progressPath(job.out);
  const { progress, kept } = found;
  if (!progress) {
    for (const p of [job.out, pPath, statsPath(job.out)]) rmSync(p, { force: true });
    const header: ProgressHeader = { ttpa_pairs_progress: 1, identity: job.identity, model_path: job.paths.model, data_path: job.paths.data };
    writeFiles(dirname(pPath), { [basename(pPath)]: JSON.stringify(header) + '\n' });
    writeFileSync(job.out, '');
    return { entries: [], end: 0 };
  }
  const entries = progress.entries.slice(0, kept);
  const end = kept ? entries[kept - 1].end : 0;
  if (!existsSync(job.out)) writeFileSync(job.out, '');
  const size = fileSize(job.out);
  if (size > end) {
    job.log?.(`${job.out}: dropped ${size - end} bytes past the last whole sample (a build cut short)`);
    truncateSync(job.out, end);
  }
  if (kept < progress.entries.length) job.log?.(`${pPath}: ${progress.entries.length - kept} sample(s) had pairs missing from ${job.out}; building them again`);
  truncateSync(pPath, kept ? progress.entryEnds[kept - 1] : progress.headerEnd);
  return { entries, end };
}

/** Builds the samples not done yet (of the shard), appending each one's pairs and progress line; writes the stats file at the end. */
export async function buildPairsFile(job: PairsFileJob): Promise<PairsFileResult> {
  const { identity } = job;
  const config = identity.preference;
  const order = shardSamples(identity.samples, identity.shard);
  const found = inspect(job, order);
  const loaded = found.kept < order.length ? await job.loadModel() : undefined;
  try {
    // Stopped while the model loaded: nothing is built, so nothing on disk changes (--overwrite keeps the old build).
    if (loaded && job.signal?.aborted) return { done: found.kept, total: order.length, resumed: found.kept };
    const { entries, end: committed } = prepare(job, found);
    const resumed = entries.length;
    if (resumed) job.log?.(`resuming ${job.out}: ${resumed}/${order.length} samples done`);
    const { records } = readPairLines(job.out, committed);
    const seen = new Set(records.map(pairKey));
    const facts = records.map(trlPairFacts);
    if (loaded) await buildRest({ job, config, order, entries, end: committed, seen, facts, model: loaded.model, tokenizer: loaded.tokenizer });
    if (entries.length < order.length) return { done: entries.length, total: order.length, resumed };
    const stats = statsOf(config, entries, facts);
    writeFiles(dirname(job.out), statsFile(job.out, identity, stats));
    return { done: entries.length, total: order.length, resumed, stats };
  } finally {
    if (loaded) disposeModel(loaded.model);
  }
}

interface BuildState {
  job: PairsFileJob;
  config: PreferenceConfig;
  order: readonly number[];
  /** Grows as samples finish. */
  entries: SampleEntry[];
  end: number;
  seen: Set<string>;
  facts: PairFacts[];
  model: Model;
  tokenizer: Tokenizer;
}

/** One sample: build its prompts, keep the pairs not seen before, as the lines to append and its entry. */
async function buildSample(s: BuildState, sampleIndex: number, items: readonly PairItem[]): Promise<{ chunk: string; entry: SampleEntry }> {
  const start = performance.now();
  const results = await buildItems(s.model, s.tokenizer, items, s.config, s.job.identity.scoring);
  const entry: SampleEntry = { sample: sampleIndex, pairs: 0, end: 0, duplicates: 0, skipped: { prompt_too_long: 0, answer_too_long: 0 }, ms: 0, outcomes: [] };
  let chunk = '';
  for (const r of results) {
    if (typeof r === 'string') {
      entry.skipped[r]++;
      continue;
    }
    entry.outcomes.push(r.outcome);
    for (const pair of r.pairs) {
      const line = JSON.stringify(pairToTrl(pair));
      const record = JSON.parse(line) as TrlPreferenceRecord; // the key as a resumed run reads it back
      const key = pairKey(record);
      if (s.seen.has(key)) {
        entry.duplicates++;
        continue;
      }
      s.seen.add(key);
      s.facts.push(trlPairFacts(record));
      chunk += line + '\n';
      entry.pairs++;
    }
  }
  entry.ms = performance.now() - start;
  return { chunk, entry };
}

async function buildRest(s: BuildState): Promise<void> {
  const { job, order } = s;
  const bySample: PairItem[][] = Array.from({ length: job.samples.length }, () => []);
  for (const it of pairItems(job.samples, s.config)) bySample[it.sampleIndex].push(it);
  const prompts = (samples: readonly number[]): number => samples.reduce((n, i) => n + bySample[i].length, 0);
  const total = prompts(order);
  let done = prompts(s.entries.map((e) => e.sample));
  const startDone = done;
  const start = performance.now();
  const pairsFd = openSync(job.out, 'a');
  const progressFd = openSync(progressPath(job.out), 'a');
  try {
    for (const i of order.slice(s.entries.length)) {
      await new Promise((next) => setImmediate(next)); // a turn of the event loop, so a SIGINT/SIGTERM handler can run
      if (job.signal?.aborted) break;
      const { chunk, entry } = await buildSample(s, i, bySample[i]);
      writeAll(pairsFd, chunk);
      s.end += Buffer.byteLength(chunk, 'utf8');
      entry.end = s.end;
      writeAll(progressFd, JSON.stringify(entry) + '\n'); // the commit point of this sample
      s.entries.push(entry);
      done += bySample[i].length;
      const elapsedMs = performance.now() - start;
      job.onProgress?.({ done, total, pairs: s.facts.length, elapsedMs, etaMs: (elapsedMs / Math.max(1, done - startDone)) * (total - done) });
    }
  } finally {
    closeSync(pairsFd);
    closeSync(progressFd);
  }
}
