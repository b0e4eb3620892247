// `ttpa pairs --merge`: the finished shards of one build (`--shard K/N`) into the file the unsharded
// build writes, byte for byte: samples back in data order, duplicates across shards dropped as the
// unsharded build drops them, with the unsharded build's progress and stats files beside it.
import { basename, dirname } from 'node:path';
import type { PairFacts } from '../core/preference/stats.ts';
import { trlPairFacts, type TrlPreferenceRecord } from '../core/preference/trl_export.ts';
import { UsageError } from './args.ts';
import { writeFiles } from './files.ts';
import { pairKey, readPairLines, statsFile, statsOf } from './pairs_build.ts';
import { checkEntryOrder, fileSize, identityDifference, progressPath, readProgress, shardSamples, statsPath, type PairsIdentity, type Progress, type ProgressHeader, type SampleEntry } from './pairs_progress.ts';
import { claimOutputs } from './run_folder.ts';

interface ShardFile {
  path: string;
  progress: Progress;
  lines: string[];
  records: TrlPreferenceRecord[];
}

/** A shard's pairs file and progress, checked to be finished and whole. */
function readShard(path: string): ShardFile {
  const progress = readProgress(progressPath(path));
  if (!progress) throw new UsageError(`${path}: no ${progressPath(path)} beside it; only files written by ttpa pairs --shard can be merged`);
  const { identity } = progress.header;
  if (!identity.shard) throw new UsageError(`${path} is not a shard (it was built without --shard)`);
  const order = shardSamples(identity.samples, identity.shard);
  const expected = order.length;
  const { index, count } = identity.shard;
  checkEntryOrder(progress, order);
  if (progress.entries.length < expected) {
    throw new UsageError(`${path} is shard ${index}/${count} with ${progress.entries.length} of its ${expected} samples done; rerun its command to finish it, then merge`);
  }
  const end = progress.entries.length ? progress.entries[progress.entries.length - 1].end : 0;
  if (fileSize(path) !== end) throw new UsageError(`${path} has ${fileSize(path)} bytes, its progress file says ${end}: rerun its command to repair it, then merge`);
  return { path, progress, ...readPairLines(path, end) };
}

/** The shards in index order, all of one build: the same identity but the shard, each index once, none missing. */
function checkShards(shards: ShardFile[]): ShardFile[] {
  const first = shards[0];
  const unsharded = (id: PairsIdentity): PairsIdentity => ({ ...id, shard: null });
  const count = first.progress.header.identity.shard!.count;
  const byIndex: (ShardFile | undefined)[] = Array.from({ length: count }, () => undefined);
  for (const s of shards) {
    const id = s.progress.header.identity;
    const diff = identityDifference(unsharded(first.progress.header.identity), unsharded(id));
    if (diff) throw new UsageError(`${s.path} is from another build than ${first.path}: ${diff.replace('in the build', `in ${first.path}`).replace('in this run', `in ${s.path}`)}`);
    if (id.shard!.count !== count) throw new UsageError(`${s.path} is shard ${id.shard!.index}/${id.shard!.count}, ${first.path} one of ${count}`);
    const twin = byIndex[id.shard!.index];
    if (twin) throw new UsageError(`${twin.path} and ${s.path} are both shard ${id.shard!.index}/${count}`);
    byIndex[id.shard!.index] = s;
  }
  const missing = byIndex.findIndex((s) => !s);
  if (missing >= 0) throw new UsageError(`shard ${missing}/${count} is missing (give all ${count} shard files)`);
  return byIndex as ShardFile[];
}

/** Merges finished shard files into `out` (+ its progress and stats files). Returns the merged sample and pair counts. */
export function mergePairShards(out: string, shardPaths: readonly string[], overwrite: boolean): { samples: number; pairs: number } {
  if (!shardPaths.length) throw new UsageError('--merge needs the shard files: ttpa pairs --merge --out pairs.jsonl pairs.0.jsonl pairs.1.jsonl');
  claimOutputs([out, progressPath(out), statsPath(out)], overwrite);
  const shards = checkShards(shardPaths.map(readShard));
  const identity: PairsIdentity = { ...shards[0].progress.header.identity, shard: null };
  const count = shards.length;
  const next = shards.map(() => ({ entry: 0, line: 0 }));
  const seen = new Set<string>();
  const facts: PairFacts[] = [];
  const lines: string[] = [];
  const entries: SampleEntry[] = [];
  let end = 0;
  for (let i = 0; i < identity.samples; i++) {
    const k = i % count;
    const shard = shards[k];
    const at = next[k];
    const e = shard.progress.entries[at.entry++];
    const merged: SampleEntry = { ...e, pairs: 0 };
    for (let j = at.line; j < at.line + e.pairs; j++) {
      const [line, record] = [shard.lines[j], shard.records[j]];
      const key = pairKey(record);
      if (seen.has(key)) {
        merged.duplicates++;
        continue;
      }
      seen.add(key);
      facts.push(trlPairFacts(record));
      lines.push(line + '\n');
      merged.pairs++;
      end += Buffer.byteLength(line, 'utf8') + 1;
    }
    at.line += e.pairs;
    merged.end = end;
    entries.push(merged);
  }
  const first = shards[0].progress.header;
  const header: ProgressHeader = { ...first, identity };
  writeFiles(dirname(out), {
    [basename(out)]: lines,
    [basename(progressPath(out))]: [JSON.stringify(header) + '\n', ...entries.map((e) => JSON.stringify(e) + '\n')],
    ...statsFile(out, identity, statsOf(identity.preference, entries, facts)),
  });
  return { samples: entries.length, pairs: lines.length };
}
