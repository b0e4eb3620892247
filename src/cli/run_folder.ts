// The CLI's output rules: a finished output is never modified by a new run unless --overwrite is
// given, an output is never one of the inputs, and an --overwrite run of a training command is built
// beside the old one and swapped in only when it succeeds. Writing the bytes is atomic_write.ts.
import { existsSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { UsageError } from './args.ts';
import { removeStaleTemps, tempPath, writeFileAtomic } from './atomic_write.ts';

/** The option every command with --out accepts. */
export const OVERWRITE_OPTION = { name: 'overwrite', type: 'boolean', help: 'replace an existing output (otherwise the command refuses to touch it)' } as const;

const realOrResolved = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

/** Refuses an output path that is (or lies inside) one of the inputs, so a run never overwrites what it reads. */
export function checkNotInput(out: string, inputs: (string | undefined)[]): void {
  const o = realOrResolved(out);
  for (const input of inputs) {
    if (input === undefined) continue;
    const i = realOrResolved(input);
    if (o === i || o.startsWith(i + '/')) throw new UsageError(`--out ${out} is the input ${input}; choose another output`);
  }
}

/**
 * Refuses to replace existing output files unless `overwrite`: `paths` are the files (or folders)
 * the command will write. Also creates nothing: writing (atomically) is left to the command.
 */
export function claimOutputs(paths: string[], overwrite: boolean): void {
  if (overwrite) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length) throw new UsageError(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; give --overwrite to replace ${existing.length === 1 ? 'it' : 'them'}`);
}

/** Where a training command writes, and what to do with it at the end. */
export interface RunFolder {
  /** The folder the run writes into now: --out itself, or a staging folder beside it under --overwrite. */
  dir: string;
  /** The folder the user named. */
  out: string;
  /** True when `dir` is a staging folder that replaces `out` on commit. */
  staged: boolean;
  /** Makes the finished run the content of `out` (under --overwrite: swaps the staging folder in). */
  commit(): void;
  /** After a failure: a staging folder is removed; `out` keeps what it had. Returns a sentence for the error. */
  abandon(): string;
}

const entriesOf = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : []);

/**
 * Opens the output folder of a training run. A new or empty folder is used as is; `resume` continues
 * the run in it; a folder holding anything else is refused unless `overwrite`, and then the new run
 * is built in `<out>.new` and replaces `out` only once it finished, so a failing run loses nothing.
 */
export function openRunFolder(out: string, opts: { resume: boolean; overwrite: boolean }): RunFolder {
  removeStaleTemps(dirname(resolve(out)), basename(resolve(out))); // a killed --overwrite swap: put the old run back
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder`);
  const plain = (dir: string): RunFolder => ({ dir, out, staged: false, commit: () => undefined, abandon: () => '' });
  if (opts.resume) {
    if (opts.overwrite) throw new UsageError('give --resume or --overwrite, not both');
    if (!existsSync(out)) throw new UsageError(`--resume: ${out} does not exist`);
    removeStaleTemps(out);
    return plain(out);
  }
  removeStaleTemps(out);
  const held = entriesOf(out);
  if (!held.length) return plain(out);
  if (!opts.overwrite) {
    const shown = held.sort().slice(0, 4).join(', ') + (held.length > 4 ? ', ...' : '');
    throw new UsageError(`--out ${out} already holds a run (${shown}); give --resume to continue it or --overwrite to replace it`);
  }
  const staging = `${out.replace(/\/+$/, '')}.new`;
  rmSync(staging, { recursive: true, force: true });
  return {
    dir: staging, out, staged: true,
    commit: () => {
      const old = tempPath(out, 'old');
      renameSync(out, old);
      try {
        renameSync(staging, out);
      } catch (err) {
        renameSync(old, out);
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    },
    abandon: () => {
      const kept = entriesOf(staging).some((f) => /^checkpoint-\d+$/.test(f));
      if (!kept) rmSync(staging, { recursive: true, force: true });
      return kept ? `; ${out} is unchanged (the failed run's checkpoints are in ${staging})` : `; ${out} is unchanged`;
    },
  };
}

/**
 * Writes a line-per-result output (convert, score, eval-bfcl) atomically, unless nothing was
 * produced while input was rejected: then the output is left as it was. Returns the exit code:
 * 0 when every input line made it, 1 otherwise.
 */
export function writeResultLines(path: string, lines: string[], rejected: number, log: (line: string) => void): number {
  if (!lines.length && rejected > 0) {
    log(`nothing written: every input line was rejected (${rejected}); ${path} ${existsSync(path) ? 'left as it was' : 'not created'}`);
    return 1;
  }
  writeFileAtomic(path, lines.map((l) => l + '\n'));
  return rejected > 0 ? 1 : 0;
}
