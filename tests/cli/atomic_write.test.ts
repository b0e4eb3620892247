import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { smallDisk } from './small_disk.ts';
import { removeStaleTemps, tempPath, writeDirAtomic, writeFileAtomic, writeFiles } from '../../src/cli/atomic_write.ts';

const root = mkdtempSync(join(tmpdir(), 'ttpa-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(root, `t${n++}`);
  mkdirSync(d);
  return d;
};

describe('atomic writes', () => {
  it('an injected failure on the third of four files leaves all four as they were and no temporaries', () => {
    const d = fresh();
    for (const f of ['a', 'b', 'c', 'd']) writeFileSync(join(d, f), `old ${f}`);
    mkdirSync(tempPath(join(d, 'c'))); // the third file's temporary cannot be opened for writing
    expect(() => writeFiles(d, { a: 'new a', b: 'new b', c: 'new c', d: 'new d' })).toThrow(/cannot write .*c: EISDIR.*left as it was/);
    for (const f of ['a', 'b', 'c', 'd']) expect(readFileSync(join(d, f), 'utf8')).toBe(`old ${f}`);
    expect(readdirSync(d).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('never replaces a folder that has the name of an output file', () => {
    const d = fresh();
    writeFileSync(join(d, 'a'), 'old a');
    mkdirSync(join(d, 'b'));
    writeFileSync(join(d, 'b', 'keep'), 'x');
    expect(() => writeFiles(d, { a: 'new a', b: 'new b' })).toThrow(/cannot write .*b: it is a folder/);
    expect(readFileSync(join(d, 'a'), 'utf8')).toBe('old a');
    expect(readFileSync(join(d, 'b', 'keep'), 'utf8')).toBe('x');
    expect(readdirSync(d).sort()).toEqual(['a', 'b']);
  });

  it('writes text given in pieces (files larger than one string) in order', () => {
    const d = fresh();
    writeFileAtomic(join(d, 'x.jsonl'), ['{"a":1}\n', '{"a":2}\n']);
    expect(readFileSync(join(d, 'x.jsonl'), 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });

  it('a folder appears whole or not at all, and replaces an older one only after it is complete', () => {
    const d = fresh();
    const target = join(d, 'checkpoint-2');
    writeDirAtomic(target, { 'x.json': '1', 'y.bin': new Uint8Array([1, 2]) });
    expect(readdirSync(target).sort()).toEqual(['x.json', 'y.bin']);
    mkdirSync(join(tempPath(target), 'y.bin'), { recursive: true }); // stale temp folder from a crash, blocking y.bin
    writeDirAtomic(target, { 'x.json': '2' });
    expect(readdirSync(target)).toEqual(['x.json']);
    expect(readdirSync(d)).toEqual(['checkpoint-2']);
  });

  it('after a kill: removes temporaries of dead processes only, and puts back a backup whose swap never finished', () => {
    const d = fresh();
    writeFileSync(join(d, '.a.tmp-999999999'), 'x');
    writeFileSync(join(d, `.b.tmp-${process.pid}`), 'x');
    mkdirSync(join(d, '.model.old-999999999')); // killed between "model -> backup" and "new -> model"
    writeFileSync(join(d, '.model.old-999999999', 'w'), 'old weights');
    writeFileSync(join(d, 'c'), 'new');
    writeFileSync(join(d, '.c.old-999999999'), 'old'); // killed after the swap, before removing the backup
    expect(removeStaleTemps(d).sort()).toEqual(['removed .a.tmp-999999999', 'removed .c.old-999999999', 'restored model from .model.old-999999999']);
    expect(readFileSync(join(d, 'model', 'w'), 'utf8')).toBe('old weights');
    expect(readFileSync(join(d, 'c'), 'utf8')).toBe('new');
    expect(existsSync(join(d, `.b.tmp-${process.pid}`))).toBe(true);
  });

  it('on a full disk (a 64 KiB tmpfs) the old file stays whole and valid', (ctx) => {
    const disk = smallDisk(64);
    if (!disk) return ctx.skip(); // mounting needs root
    try {
      const path = join(disk!.dir, 'report.json');
      const old = JSON.stringify({ old: 'x'.repeat(20_000) });
      writeFileAtomic(path, old);
      writeFileSync(join(disk!.dir, 'filler'), new Uint8Array(30_000));
      expect(() => writeFileAtomic(path, JSON.stringify({ new: 'y'.repeat(40_000) }))).toThrow(/cannot write .*report\.json: ENOSPC/);
      expect(readFileSync(path, 'utf8')).toBe(old);
      expect(readdirSync(disk!.dir).sort()).toEqual(['filler', 'report.json']);
    } finally {
      disk!.unmount();
    }
  });
});
