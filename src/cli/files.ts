// Node file I/O for the CLI: a model folder as a FileSource, and atomic multi-file writes.
// Core code never imports this; browsers use fileListSource/memorySource instead.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingFileError, type FileSource } from '../core/runtime/file_source.ts';

/** The regular files directly inside `dir` (no recursion). */
export function dirSource(dir: string): FileSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`model folder ${dir} does not exist or is not a folder`);
  const files = new Set(readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()));
  const src: FileSource = {
    name: dir,
    list: () => [...files].sort(),
    has: (f) => files.has(f),
    read: async (f) => {
      if (!files.has(f)) throw missingFileError(src, f);
      return new Uint8Array(readFileSync(join(dir, f)));
    },
    readText: async (f) => {
      if (!files.has(f)) throw missingFileError(src, f);
      return readFileSync(join(dir, f), 'utf8');
    },
  };
  return src;
}

/**
 * Writes every file to a temporary name first and renames only when all writes succeeded, so a
 * failure (disk full, bad name) leaves the files already in `dir` untouched.
 */
export function writeFiles(dir: string, files: Record<string, Uint8Array | string>): void {
  mkdirSync(dir, { recursive: true });
  const temps: [string, string][] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      if (!name || name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`writeFiles: bad file name '${name}'`);
      const tmp = join(dir, `.${name}.tmp-${process.pid}`);
      temps.push([tmp, join(dir, name)]);
      writeFileSync(tmp, content);
    }
  } catch (err) {
    for (const [tmp] of temps) rmSync(tmp, { force: true });
    throw err;
  }
  for (const [tmp, final] of temps) renameSync(tmp, final);
}
