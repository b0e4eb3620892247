// A validation sweep for the update loop's settings: from one start model and one round's pairs (a loop run's
// `loop/ttpa/round-1/pairs.jsonl`), train each variant (DPO settings, a pair filter, or plain SFT on the
// train split) with the `ttpa` CLI, evaluate it on the validation split, and compare it with the start model
// turn by turn (exact McNemar). Settings are chosen here, on validation; the test split is never read.
// Usage: node scripts/val_sweep.mjs <sweep.json> [--jobs 2]
// sweep.json: { "out": dir, "model": start checkpoint, "pairs": pairs JSONL, "val": samples JSONL, "train": samples JSONL,
//   "dpo": base dpo settings, "variants": [{ "name", "kind": "dpo"|"sft", "filter"?: "all"|"correct-chosen"|"error-fix", "flags": ["--lr", "0.0003", ...] }] }
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { EvalReport } from '../src/core/scoring/evaluate.ts';
import { exitDescription, runTtpa } from '../src/cli/ttpa_child.ts';
import { bootstrapInterval, pairedOutcome, turnErrors } from '../src/core/scoring/significance.ts';

const REPO = resolve(import.meta.dirname, '..');

type PairFilter = 'all' | 'correct-chosen' | 'error-fix';

interface Variant {
  name: string;
  kind: 'dpo' | 'sft';
  filter?: PairFilter;
  flags?: string[];
}

interface Sweep {
  out: string;
  model: string;
  pairs: string;
  val: string;
  train: string;
  dpo: Record<string, unknown>;
  variants: Variant[];
}

/** The `ttpa` metadata of a pair line (trl_export.ts). */
interface PairMeta {
  kind: string;
  chosen_esm: number;
  chosen_source: string;
  rejected_source: string;
}

/**
 * correct-chosen: the chosen side is an exact call (ESM 1), so the NLL term never trains on a wrong call;
 * error-fix: pairs that correct the policy (ground truth against it, or a branch chosen over its greedy output).
 */
const FILTERS: Record<PairFilter, (m: PairMeta) => boolean> = {
  all: () => true,
  'correct-chosen': (m) => m.chosen_esm >= 1 - 1e-9,
  'error-fix': (m) => m.kind !== 'branch' || m.rejected_source === 'base',
};

/** Each of `jobs` parallel children gets its share of the cores as wasm threads (TTPA_THREADS, unless set). */
let threadsPerJob = '1';

async function run(args: string[], log: string): Promise<void> {
  const r = await runTtpa(args, { cwd: REPO, env: { ...process.env, TTPA_THREADS: process.env.TTPA_THREADS ?? threadsPerJob } });
  writeFileSync(log, r.stdout + r.stderr);
  if (r.code !== 0) throw new Error(`ttpa ${args[0]} ${exitDescription(r)}; see ${log}`);
}

function filteredPairs(sweep: Sweep, filter: PairFilter): string {
  const file = join(sweep.out, `pairs-${filter}.jsonl`);
  if (existsSync(file)) return file;
  const keep = FILTERS[filter];
  if (!keep) throw new Error(`${filter}: unknown pair filter (${Object.keys(FILTERS).join(', ')})`);
  const lines = readFileSync(sweep.pairs, 'utf8').split('\n').filter((l) => l.trim());
  const kept = lines.filter((l, i) => {
    const meta = (JSON.parse(l) as { ttpa?: PairMeta }).ttpa;
    if (!meta) throw new Error(`${sweep.pairs} line ${i + 1}: no ttpa metadata (pairs from ttpa pairs or a loop round are needed)`);
    return keep(meta);
  });
  writeFileSync(file, kept.map((l) => l + '\n').join(''));
  return file;
}

/** `ttpa sft` keeps checkpoint-<step>/ folders (the last step's always): the newest. */
function lastCheckpoint(dir: string): string {
  const steps = readdirSync(dir).map((n) => /^checkpoint-(\d+)$/.exec(n)).filter((m) => m !== null).map((m) => Number(m[1]));
  if (steps.length === 0) throw new Error(`${dir}: ttpa sft left no checkpoint-<step> folder`);
  return `checkpoint-${Math.max(...steps)}`;
}

/** Trains (unless done) and evaluates one variant on validation; returns its report's path. */
async function runVariant(sweep: Sweep, v: Variant | null): Promise<string> {
  const dir = join(sweep.out, v?.name ?? 'start');
  const report = join(dir, 'val.json');
  if (existsSync(report)) return report;
  mkdirSync(dir, { recursive: true });
  let model = sweep.model;
  if (v) {
    const out = join(dir, v.kind);
    if (v.kind === 'dpo') {
      const config = join(sweep.out, 'dpo.json');
      writeFileSync(config, JSON.stringify(sweep.dpo));
      await run(['dpo', '--model', sweep.model, '--pairs', filteredPairs(sweep, v.filter ?? 'all'), '--config', config, '--out', out, '--overwrite', ...(v.flags ?? [])], join(dir, 'train.log'));
      model = join(out, 'model');
    } else {
      await run(['sft', '--model', sweep.model, '--data', sweep.train, '--out', out, '--overwrite', ...(v.flags ?? [])], join(dir, 'train.log'));
      model = join(out, lastCheckpoint(out));
    }
  }
  await run(['eval', '--model', model, '--data', sweep.val, '--out', report, '--max-new-tokens', '96', '--overwrite'], join(dir, 'eval.log'));
  return report;
}

/** The sweep file, checked field by field (paths resolved against the working directory). */
function readSweep(file: string): Sweep {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<Sweep>;
  for (const key of ['out', 'model', 'pairs', 'val', 'train'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '') throw new Error(`${file}: "${key}" must be a path, got ${JSON.stringify(raw[key])}`);
  }
  if (typeof raw.dpo !== 'object' || raw.dpo === null) throw new Error(`${file}: "dpo" must be an object of dpo settings`);
  if (!Array.isArray(raw.variants)) throw new Error(`${file}: "variants" must be a list`);
  const names = new Set<string>(['start']);
  raw.variants.forEach((v: Partial<Variant>, i) => {
    const at = `${file}: variants[${i}]`;
    if (typeof v.name !== 'string' || !/^[\w.-]+$/.test(v.name) || names.has(v.name)) throw new Error(`${at}.name must be a new folder name (letters, digits, _ . -), got ${JSON.stringify(v.name)}`);
    names.add(v.name);
    if (v.kind !== 'dpo' && v.kind !== 'sft') throw new Error(`${at}.kind must be "dpo" or "sft", got ${JSON.stringify(v.kind)}`);
    if (v.filter !== undefined && !(v.filter in FILTERS)) throw new Error(`${at}.filter must be one of ${Object.keys(FILTERS).join(', ')}, got ${JSON.stringify(v.filter)}`);
    if (v.flags !== undefined && (!Array.isArray(v.flags) || v.flags.some((f) => typeof f !== 'string'))) throw new Error(`${at}.flags must be a list of strings`);
  });
  const path = (p: string): string => resolve(p);
  return { ...(raw as Sweep), out: path(raw.out!), model: path(raw.model!), pairs: path(raw.pairs!), val: path(raw.val!), train: path(raw.train!) };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node scripts/val_sweep.mjs <sweep.json> [--jobs N]');
  const sweep = readSweep(file);
  const i = process.argv.indexOf('--jobs');
  const jobs = i > 0 ? Number(process.argv[i + 1]) : 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be an integer >= 1, got ${process.argv[i + 1]}`);
  threadsPerJob = String(Math.max(1, Math.floor(availableParallelism() / jobs)));
  mkdirSync(sweep.out, { recursive: true });
  const queue: (Variant | null)[] = [null, ...sweep.variants];
  const reports = new Map<string, string>();
  const failures = new Map<string, string>();
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
      const name = v?.name ?? 'start';
      try {
        reports.set(name, await runVariant(sweep, v));
        console.log(`${name}: done`);
      } catch (err) {
        failures.set(name, (err as Error).message);
        console.log(`${name}: ${(err as Error).message}`);
      }
    }
  }));
  const load = (p: string): EvalReport => JSON.parse(readFileSync(p, 'utf8')) as EvalReport;
  const start = load(reports.get('start')!);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const rows = ['start', ...sweep.variants.map((v) => v.name)].map((name) => {
    if (failures.has(name)) return `| ${name} | failed: ${failures.get(name)} | | |`;
    const r = load(reports.get(name)!);
    const ci = bootstrapInterval(turnErrors(r), { seed: 1 });
    const v = sweep.variants.find((x) => x.name === name);
    const what = v ? `${v.kind}${v.filter ? ` (${v.filter} pairs)` : ''} ${(v.flags ?? []).join(' ')}` : 'the start model';
    if (name === 'start') return `| start | ${what} | ${pct(ci.rate)} [${pct(ci.lo)}, ${pct(ci.hi)}] | |`;
    const o = pairedOutcome(r, start);
    return `| ${name} | ${what} | ${pct(ci.rate)} [${pct(ci.lo)}, ${pct(ci.hi)}] | ${o.aWins} / ${o.bWins}, ${o.p < 0.001 ? 'p < 0.001' : `p = ${o.p.toFixed(3)}`} |`;
  });
  const md = [
    `# Validation sweep (${start.turns.length} validation turns)`, '',
    `Start model \`${sweep.model}\`; pairs \`${sweep.pairs}\`; base DPO settings \`${JSON.stringify(sweep.dpo)}\`.`,
    'Intervals: 95% bootstrap; last column: turns the variant fixed / broke against the start model, exact McNemar p.', '',
    '| variant | training | val error [95% CI] | fixed / broke vs start |', '| --- | --- | --- | --- |', ...rows, '',
  ].join('\n');
  writeFileSync(join(sweep.out, 'sweep.md'), md);
  console.log(md);
}

await main();
