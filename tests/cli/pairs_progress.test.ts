import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { committedEntries, identityDifference, progressPath, readProgress, shardSamples, statsPath } from '../../src/cli/pairs_progress.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = JSON.stringify({ ttpa_pairs_progress: 1, identity: { samples: 3 }, model_path: 'm', data_path: 'd' });
const entry = (sample: number, end: number): string => JSON.stringify({ sample, pairs: 1, end, duplicates: 0, skipped: { prompt_too_long: 0, answer_too_long: 0 }, ms: 1, outcomes: [] });

describe('pairs progress file', () => {
  it('names its files after the pairs file', () => {
    expect(progressPath('/a/pairs.jsonl')).toBe('/a/pairs.progress.jsonl');
    expect(statsPath('/a/pairs.jsonl')).toBe('/a/pairs.stats.json');
  });

  it('leaves out a last line cut short by a kill, and knows where each entry ends', () => {
    const path = join(dir, 'torn.progress.jsonl');
    writeFileSync(path, `${header}\n${entry(0, 10)}\n${entry(1, 25)}\n{"sample": 2, "pa`);
    const p = readProgress(path)!;
    expect(p.entries.map((e) => e.sample)).toEqual([0, 1]);
    expect(p.headerEnd).toBe(header.length + 1);
    expect(p.entryEnds).toEqual([header.length + entry(0, 10).length + 2, header.length + entry(0, 10).length + entry(1, 25).length + 3]);
    // Entries whose pairs are whole in a pairs file of that many bytes: a prefix.
    expect([0, 9, 10, 24, 25, 99].map((size) => committedEntries(p, size))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('names the file and line of a whole line that is not an entry', () => {
    const path = join(dir, 'bad.progress.jsonl');
    writeFileSync(path, `${header}\n{"sample": 0}\n${entry(1, 25)}\n`);
    expect(() => readProgress(path)).toThrow(`${path} line 2 is not a sample entry`);
    writeFileSync(path, `${header}\nnot json\n`);
    expect(() => readProgress(path)).toThrow(`${path} line 2 is not JSON`);
    for (const first of ['{"x": 1}', '{"ttpa_pairs_progress": 1, "identity": null}']) {
      writeFileSync(path, `${first}\n`);
      expect(() => readProgress(path)).toThrow(`${path} line 1 is not a ttpa pairs progress header`);
    }
    expect(readProgress(join(dir, 'none.progress.jsonl'))).toBeUndefined();
  });

  it('names the first field where two builds differ', () => {
    const a = { model: 'abc', preference: { topK: 5, spans: ['name'] }, shard: null };
    expect(identityDifference(a, structuredClone(a))).toBeUndefined();
    expect(identityDifference(a, { ...a, preference: { topK: 6, spans: ['name'] } })).toBe('preference.topK: 5 in the build, 6 in this run');
    expect(identityDifference(a, { ...a, preference: { topK: 5, spans: [] } })).toBe('preference.spans: ["name"] in the build, [] in this run');
    expect(identityDifference(a, { ...a, shard: { index: 0, count: 2 } })).toBe('shard: null in the build, {"count":2,"index":0} in this run');
    // A content hash is said as what it hashes, cut inside its quotes.
    expect(identityDifference({ ...a, data: 'ab'.repeat(32) }, { ...a, data: 'cd'.repeat(32) })).toBe('data (sha256 of the data file): "abababababab..." in the build, "cdcdcdcdcdcd..." in this run');
  });

  it('a shard is every N-th sample', () => {
    expect(shardSamples(7, { index: 1, count: 3 })).toEqual([1, 4]);
    expect(shardSamples(3, null)).toEqual([0, 1, 2]);
  });
});
