import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dirSource, writeFiles } from '../../src/cli/files.ts';

describe('cli files', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'ttpa-files-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('writes files and reads them back as a FileSource', async () => {
    const d = join(tmp(), 'out');
    writeFiles(d, { 'a.json': '{"k": 1}', 'b.bin': new Uint8Array([1, 2, 3]) });
    const src = dirSource(d);
    expect(src.list()).toEqual(['a.json', 'b.bin']);
    expect(await src.readText('a.json')).toBe('{"k": 1}');
    expect(Array.from(await src.read('b.bin'))).toEqual([1, 2, 3]);
    await expect(src.read('c.json')).rejects.toThrow(`model folder ${d} is missing c.json`);
    expect(Array.from(await src.readHead('b.bin', 2))).toEqual([1, 2]);
    expect(Array.from(await src.readHead('b.bin', 10))).toEqual([1, 2, 3]);
    await expect(src.readHead('c.json', 8)).rejects.toThrow(`model folder ${d} is missing c.json`);
  });

  it('a failed write leaves existing files untouched and no temporaries', () => {
    const d = tmp();
    writeFileSync(join(d, 'a.json'), 'old');
    expect(() => writeFiles(d, { 'a.json': 'new', 'sub/b.json': 'x' })).toThrow(/bad file name 'sub\/b.json'/);
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['a.json']);
  });

  it('names a missing folder', () => {
    expect(() => dirSource('/nonexistent/ttpa')).toThrow('model folder /nonexistent/ttpa does not exist');
  });
});
