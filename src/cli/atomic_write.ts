// The CLI's only way to put bytes on disk: every file or folder appears whole or not at all.
// Each file goes to a temporary sibling, is fsynced, then renamed; a failure removes the temporaries
// and puts back whatever was there before. Deciding whether an output may be replaced is run_folder.ts.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const encoder = new TextEncoder();

/** `.<name>.tmp-<pid>` beside `path`: hidden, and named after the process that may remove it. */
export const tempPath = (path: string, kind = 'tmp'): string => join(dirname(path), `.${basename(path)}.${kind}-${process.pid}`);

/** A write failure that names the file and says that nothing was changed. */
function writeError(path: string, err: unknown, unchanged: string): Error {
  const e = err as NodeJS.ErrnoException;
  return new Error(`cannot write ${path}: ${e.code ? `${e.code} (${e.message})` : String(err)}; ${unchanged} left as it was`);
}

/** A file's content: bytes, text, or text in pieces (lines of a file too large for one string). */
export type FileContent = Uint8Array | string | readonly string[];

/** Writes and fsyncs one file (no rename): the building block of the two writers below. */
function writeDurable(path: string, content: FileContent): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of typeof content === 'string' || content instanceof Uint8Array ? [content] : content) {
      const bytes = typeof piece === 'string' ? encoder.encode(piece) : piece;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a folder so a rename inside it survives a crash; best effort (not every file system allows it). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directories cannot be fsynced on some platforms; the rename is still atomic.
  }
}

function checkName(name: string): void {
  if (!name || name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`writeFiles: bad file name '${name}'`);
}

/**
 * Writes every file to a temporary name, then swaps them in. If any write or rename fails, the
 * temporaries are removed and files that were replaced are put back, so `dir` keeps its old content.
 */
export function writeFiles(dir: string, files: Record<string, FileContent>): void {
  for (const name of Object.keys(files)) {
    checkName(name);
    if (existsSync(join(dir, name)) && statSync(join(dir, name)).isDirectory()) throw new Error(`cannot write ${join(dir, name)}: it is a folder; nothing was changed`);
  }
  mkdirSync(dir, { recursive: true });
  const temps: [string, string][] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const final = join(dir, name);
      temps.push([tempPath(final), final]);
      writeDurable(temps[temps.length - 1][0], content);
    }
  } catch (err) {
    for (const [tmp] of temps) rmSync(tmp, { force: true, recursive: true });
    throw writeError(temps[temps.length - 1]?.[1] ?? dir, err, `${dir} was`);
  }
  const swapped: { final: string; backup?: string }[] = [];
  try {
    for (const [tmp, final] of temps) {
      const backup = existsSync(final) ? tempPath(final, 'old') : undefined;
      if (backup) renameSync(final, backup);
      swapped.push({ final, backup });
      renameSync(tmp, final);
    }
  } catch (err) {
    for (const { final, backup } of swapped.reverse()) {
      if (backup) {
        rmSync(final, { force: true, recursive: true });
        renameSync(backup, final);
      } else rmSync(final, { force: true });
    }
    for (const [tmp] of temps) rmSync(tmp, { force: true, recursive: true });
    throw writeError(dir, err, `${dir} was`);
  }
  for (const { backup } of swapped) if (backup) rmSync(backup, { force: true, recursive: true });
  syncDir(dir);
}

/** One file, replaced whole: readers see the old content or the new one. */
export function writeFileAtomic(path: string, content: FileContent): void {
  writeFiles(dirname(path), { [basename(path)]: content });
}

/**
 * A folder of files that appears whole under `dir` or not at all: written into a temporary sibling
 * folder, then renamed into place (a folder already at `dir` is replaced only after that succeeded).
 */
export function writeDirAtomic(dir: string, files: Record<string, FileContent>): void {
  for (const name of Object.keys(files)) checkName(name);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = tempPath(dir);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    for (const [name, content] of Object.entries(files)) writeDurable(join(tmp, name), content);
    syncDir(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw writeError(dir, err, existsSync(dir) ? `${dir} was` : 'nothing was');
  }
  const old = existsSync(dir) ? tempPath(dir, 'old') : undefined;
  try {
    if (old) renameSync(dir, old);
    renameSync(tmp, dir);
  } catch (err) {
    if (old && !existsSync(dir)) renameSync(old, dir);
    rmSync(tmp, { recursive: true, force: true });
    throw writeError(dir, err, `${dir} was`);
  }
  if (old) rmSync(old, { recursive: true, force: true });
  syncDir(dirname(dir));
}

const isAlive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Cleans up after processes that no longer run (a kill -9): `.<name>.tmp-<pid>` leftovers are
 * removed, and a `.<name>.old-<pid>` backup is put back as `<name>` if the swap that made it never
 * finished (else removed). `only` limits this to one name. Returns what it did, for messages.
 */
export function removeStaleTemps(dir: string, only?: string): string[] {
  if (!existsSync(dir)) return [];
  const done: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^\.(.+)\.(tmp|old)-(\d+)$/.exec(f);
    if (!m || (only !== undefined && m[1] !== only) || isAlive(Number(m[3]))) continue;
    if (m[2] === 'old' && !existsSync(join(dir, m[1]))) {
      renameSync(join(dir, f), join(dir, m[1]));
      done.push(`restored ${m[1]} from ${f}`);
    } else {
      rmSync(join(dir, f), { recursive: true, force: true });
      done.push(`removed ${f}`);
    }
  }
  return done;
}
