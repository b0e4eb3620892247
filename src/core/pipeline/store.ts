// Where a pipeline run keeps its files: a folder-like store of relative paths ('sft/model/config.json').
// Core code only sees this interface; the CLI backs it with a folder, tests and the browser with memory.
import { memorySource, type FileSource } from '../runtime/file_source.ts';

export interface RunStore {
  /** Human-readable location for messages (a folder path, 'memory'). */
  name: string;
  has(path: string): boolean;
  readText(path: string): Promise<string>;
  readBytes(path: string): Promise<Uint8Array>;
  /** Writes all files of `dir` at once (atomic where the backing allows); names are plain file names. */
  writeFiles(dir: string, files: Record<string, Uint8Array | string>): Promise<void>;
  /** The files directly inside `dir`, e.g. for loadCheckpoint. */
  source(dir: string): FileSource;
  /** Deletes a file or a folder with everything in it (nothing when absent); stores that cannot keep everything. */
  remove?(path: string): Promise<void>;
}

const join = (dir: string, f: string): string => (dir ? `${dir}/${f}` : f);

/** An in-memory store (tests, the browser). */
export function memoryStore(name = 'memory'): RunStore & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  const get = (p: string): Uint8Array => {
    const v = files.get(p);
    if (!v) throw new Error(`${name}: no file ${p}`);
    return v;
  };
  return {
    name,
    files,
    has: (p) => files.has(p),
    readText: async (p) => new TextDecoder().decode(get(p)),
    readBytes: async (p) => get(p),
    writeFiles: async (dir, fs) => {
      for (const [f, v] of Object.entries(fs)) files.set(join(dir, f), typeof v === 'string' ? enc.encode(v) : v);
    },
    remove: async (path) => {
      for (const p of [...files.keys()]) if (p === path || p.startsWith(`${path}/`)) files.delete(p);
    },
    source: (dir) => {
      const prefix = dir ? `${dir}/` : '';
      const inside: Record<string, Uint8Array> = {};
      for (const [p, v] of files) if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) inside[p.slice(prefix.length)] = v;
      return memorySource(`${name}:${dir}`, inside);
    },
  };
}
