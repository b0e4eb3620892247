// Node file I/O for the CLI: a model folder as a FileSource (reads name the file on any failure).
// Core code never imports this; browsers use fileListSource/memorySource instead. Writing is atomic_write.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { missingFileError, parseJsonText, type FileSource } from '../core/runtime/file_source.ts';
import { UsageError } from './args.ts';

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
      return new Uint8Array(readNamed(join(dir, f)));
    },
    readText: async (f) => {
      if (!files.has(f)) throw missingFileError(src, f);
      return readNamed(join(dir, f)).toString('utf8');
    },
  };
  return src;
}

/** readFileSync whose errors name the file (Node's own message for a > 2 GiB file does not). */
export function readNamed(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ERR_FS_FILE_TOO_LARGE' ? `it is ${statSync(path).size} bytes, more than one file read allows (2 GiB); shard it (model.safetensors.index.json)` : (e.code ?? e.message);
    throw new Error(`cannot read ${path}: ${why}`);
  }
}

/** A JSON file given on the command line (a --config, a preset); errors name the file and the offset. */
export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
  return parseJsonText(readInputText(path), path);
}

/** A text input named on the command line; a leading UTF-8 BOM is dropped, errors name the file. */
export function readInputText(path: string): string {
  const bytes = readNamed(path);
  let text: string;
  try {
    text = bytes.toString('utf8');
  } catch {
    throw new Error(`cannot read ${path}: it is ${bytes.length} bytes, more than one text can hold (512 MiB); split it into smaller files`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export { writeFiles } from './atomic_write.ts';
