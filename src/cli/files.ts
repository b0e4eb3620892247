// Node file I/O for the CLI: a model folder as a FileSource (reads name the file on any failure).
// Core code never imports this; browsers use fileListSource/memorySource instead. Writing is atomic_write.ts.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
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
    readHead: async (f, n) => {
      if (!files.has(f)) throw missingFileError(src, f);
      return readHead(join(dir, f), n);
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

/** The first `bytes` bytes of a file (fewer if it is shorter); errors name the file. */
function readHead(path: string, bytes: number): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = new Uint8Array(Math.min(bytes, statSync(path).size));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
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
