// The progress file of a `ttpa pairs` build, `<out>.progress.jsonl`: a header saying what is built
// (model, data, settings, shard), then one line per finished sample saying where its pairs end in the
// pairs file. A sample's line is its commit point: pairs past the last line's offset are dropped on
// resume. Building is pairs_build.ts, merging shards pairs_merge.ts; this file only reads and checks.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Skipped } from '../core/preference/build_pairs.ts';
import type { PreferenceConfig } from '../core/preference/config.ts';
import type { PromptOutcome } from '../core/preference/stats.ts';
import { canonicalJson } from '../core/pipeline/hash.ts';
import type { ScoringConfig } from '../core/scoring/config.ts';
import { UsageError } from './args.ts';
import { readNamed } from './files.ts';

/** Samples whose index % count == index. */
export interface Shard {
  index: number;
  count: number;
}

/** Everything the pairs depend on: two builds with equal identities write the same bytes. */
export interface PairsIdentity {
  /** sha256 of the checkpoint folder's files (names and bytes). */
  model: string;
  /** sha256 of the data file's text (UTF-8, without a BOM). */
  data: string;
  /** Samples in the data (after --limit), all shards together. */
  samples: number;
  preference: PreferenceConfig;
  scoring: ScoringConfig;
  /** tfjs backend (wasm and cpu round differently). */
  backend: string;
  /** null: every sample. */
  shard: Shard | null;
}

/** The first line. Paths are for people only: a moved file with the same bytes is the same input. */
export interface ProgressHeader {
  ttpa_pairs_progress: 1;
  identity: PairsIdentity;
  model_path: string;
  data_path: string;
}

/** One finished sample. */
export interface SampleEntry {
  /** Index in the data file. */
  sample: number;
  /** Lines this sample appended to the pairs file (after de-duplication). */
  pairs: number;
  /** Byte length of the pairs file once they were appended. */
  end: number;
  /** Pairs left out as duplicates of earlier ones. */
  duplicates: number;
  skipped: Record<Skipped, number>;
  /** Wall time of building this sample. */
  ms: number;
  /** One per prompt (assistant turn) built, in order. */
  outcomes: PromptOutcome[];
}

export interface Progress {
  path: string;
  header: ProgressHeader;
  entries: SampleEntry[];
  /** Byte offset in the progress file just past entry i's line (header line: headerEnd). */
  entryEnds: number[];
  headerEnd: number;
}

/** `<out without .jsonl>.progress.jsonl`, beside the pairs file. */
export const progressPath = (out: string): string => join(dirname(out), `${basename(out).replace(/\.jsonl$/, '')}.progress.jsonl`);

/** `<out without .jsonl>.stats.json`, beside the pairs file. */
export const statsPath = (out: string): string => join(dirname(out), `${basename(out).replace(/\.jsonl$/, '')}.stats.json`);

/** The samples a shard builds, in order. */
export const shardSamples = (samples: number, shard: Shard | null): number[] =>
  Array.from({ length: samples }, (_, i) => i).filter((i) => !shard || i % shard.count === shard.index);

const isEntry = (v: unknown): v is SampleEntry => {
  const e = v as SampleEntry;
  return typeof e === 'object' && e !== null && Number.isInteger(e.sample) && Number.isInteger(e.pairs) && Number.isInteger(e.end) && Number.isInteger(e.duplicates) &&
    typeof e.skipped === 'object' && e.skipped !== null && typeof e.ms === 'number' && Array.isArray(e.outcomes);
};

/**
 * Reads a progress file (undefined when there is none). Its last line, when cut short by a kill (no
 * newline yet), is left out; any other line that is not an entry is an error naming the file and line.
 */
export function readProgress(path: string): Progress | undefined {
  if (!existsSync(path)) return undefined;
  const bytes = readNamed(path);
  const lines: { text: string; end: number }[] = [];
  let start = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, start)) {
    lines.push({ text: bytes.subarray(start, i).toString('utf8'), end: i + 1 });
    start = i + 1;
  }
  const parse = (k: number): unknown => {
    try {
      return JSON.parse(lines[k].text);
    } catch {
      throw new UsageError(`${path} line ${k + 1} is not JSON; the progress file was changed outside ttpa pairs: give --overwrite to start the build over`);
    }
  };
  if (!lines.length) throw new UsageError(`${path} has no header line; give --overwrite to start the build over`);
  const header = parse(0) as ProgressHeader;
  if (header?.ttpa_pairs_progress !== 1 || typeof header.identity !== 'object' || header.identity === null) {
    throw new UsageError(`${path} line 1 is not a ttpa pairs progress header; give --overwrite to start the build over`);
  }
  const entries: SampleEntry[] = [];
  for (let k = 1; k < lines.length; k++) {
    const e = parse(k);
    if (!isEntry(e)) throw new UsageError(`${path} line ${k + 1} is not a sample entry; give --overwrite to start the build over`);
    entries.push(e);
  }
  return { path, header, entries, entryEnds: lines.slice(1).map((l) => l.end), headerEnd: lines[0].end };
}

/** A value for a message, cut to about 40 characters (a string inside its quotes). */
const shown = (v: unknown): string => {
  if (typeof v === 'string' && v.length > 38) return JSON.stringify(`${v.slice(0, 12)}...`);
  const s = canonicalJson(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** The identity's content hashes, said as what they hash. */
const HASHED: Record<string, string> = { model: 'model (sha256 of the checkpoint folder)', data: 'data (sha256 of the data file)' };

/** The first field (dotted path) where two identities differ, with both values, or undefined when equal. */
export function identityDifference(was: unknown, now: unknown, path = ''): string | undefined {
  if (canonicalJson(was) === canonicalJson(now)) return undefined;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(was) && isObject(now)) {
    for (const key of [...new Set([...Object.keys(was), ...Object.keys(now)])].sort()) {
      const d = identityDifference(was[key], now[key], path ? `${path}.${key}` : key);
      if (d) return d;
    }
  }
  return `${HASHED[path] ?? (path || 'identity')}: ${shown(was)} in the build, ${shown(now)} in this run`;
}

/** The byte length of the pairs file (0 when absent). */
export const fileSize = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/**
 * How many of the progress file's entries are whole in a pairs file of `size` bytes: entries are in
 * file order, so the kept ones are a prefix. A sample cut short by a kill (or a file cut mid-line)
 * loses only the entries past it.
 */
export function committedEntries(progress: Progress, size: number): number {
  let n = 0;
  while (n < progress.entries.length && progress.entries[n].end <= size) n++;
  return n;
}

/** Checks that the entries are the first ones of the shard, in order; names the first that is not. */
export function checkEntryOrder(progress: Progress, expected: readonly number[]): void {
  for (const [k, e] of progress.entries.entries()) {
    if (expected[k] !== e.sample) {
      throw new UsageError(`${progress.path} line ${k + 2} is sample ${e.sample}, expected ${expected[k] ?? 'none (all samples are done)'}; give --overwrite to start the build over`);
    }
  }
}
