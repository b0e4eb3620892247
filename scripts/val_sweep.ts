// A validation sweep for the update loop's settings: from one start model and one round's pairs (a loop run's
// `loop/ttpa/round-1/pairs.jsonl`), train each variant (DPO settings, a pair filter, or plain SFT on the
// train split) with the `ttpa` CLI, evaluate it on the validation split, and compare it with the start model
// turn by turn (exact McNemar); with "seen", also on the train samples the pairs' round drew (memorising shows
// there first). Settings are chosen here, on validation; the test split is never read. A variant whose model exists
// is not retrained, only evaluated where a report is missing; a dpo variant stopped mid-training (checkpoints every 25
// steps) resumes from its last complete checkpoint.
// Usage: node scripts/val_sweep.mjs <sweep.json> [--jobs 2]
// sweep.json: { "out": dir, "model": start checkpoint, "pairs": pairs JSONL, "val": samples JSONL, "train": samples JSONL,
//   "dpo": base dpo settings, "seen"?: { "round": 1, "promptsPerRound": 300, "seed": 1, "warmupSamples"?: 0, "evaluate"?: true }
//   (written to <out>/seen-round-<round>.jsonl, a file an anchored variant's --anchor can name; evaluate false: not evaluated),
//   "heldOut"?: { "rounds": 2, "promptsPerRound": 2400, "warmupSamples": 4800, "seed": 1 } (validation plus the train
//   samples that loop run never drew), "compareTo"?: a variant's name (every variant also tested against it),
//   "variants": [{ "name", "kind": "dpo"|"sft"|"model", "filter"?: a dpo.pairFilter (all, correct-chosen, error-fix, base-rejected, one-per-turn, in-turn),
//   "pairs"?: a dpo variant's own pairs JSONL, "model"?: kind model's checkpoint (evaluated only), "flags": ["--lr", "0.0003", ...] }] }
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { EvalReport } from '../src/core/scoring/evaluate.ts';
import { exitDescription, runTtpa } from '../src/cli/ttpa_child.ts';
import { parseJsonl } from '../src/core/pipeline/stages.ts';
import type { Sample } from '../src/core/data/sample.ts';
import { filterPairLines, type PairFilter } from '../src/core/preference/pair_filter.ts';
import { dpoStartFlags, heldOutSamples, readSweep, seenSamples, variantAnchorDose, type Sweep, type Variant } from './val_sweep_config.ts';
import { sweepTable, type VariantReports } from './val_sweep_table.ts';

const REPO = resolve(import.meta.dirname, '..');

/** Each of `jobs` parallel children gets its share of the cores as wasm threads (TTPA_THREADS, unless set). */
let threadsPerJob = '1';

async function run(args: string[], log: string): Promise<void> {
  const r = await runTtpa(args, { cwd: REPO, env: { ...process.env, TTPA_THREADS: process.env.TTPA_THREADS ?? threadsPerJob } });
  writeFileSync(log, r.stdout + r.stderr);
  if (r.code !== 0) throw new Error(`ttpa ${args[0]} ${exitDescription(r)}; see ${log}`);
}

/** `pairs` (the sweep's, or a variant's own) cut to `filter`, written once into the sweep folder. */
function filteredPairs(sweep: Sweep, pairs: string, filter: PairFilter): string {
  const own = pairs === sweep.pairs ? '' : `${basename(pairs, '.jsonl')}-${createHash('sha256').update(pairs).digest('hex').slice(0, 8)}-`;
  const file = join(sweep.out, `pairs-${own}${filter}.jsonl`);
  if (existsSync(file)) return file;
  const kept = filterPairLines(readFileSync(pairs, 'utf8'), filter, pairs);
  writeFileSync(file, kept.map((l) => l + '\n').join(''));
  return file;
}

/** The validation samples every model is evaluated on: the sweep's, plus the held-out train samples (written once). */
function valFile(sweep: Sweep): string {
  if (!sweep.heldOut) return sweep.val;
  const file = join(sweep.out, 'val-heldout.jsonl');
  if (!existsSync(file)) {
    const extra = heldOutSamples(parseJsonl<Sample>(readFileSync(sweep.train, 'utf8')), sweep.heldOut);
    writeFileSync(file, readFileSync(sweep.val, 'utf8').trimEnd() + '\n' + extra.map((x) => JSON.stringify(x) + '\n').join(''));
  }
  return file;
}

/** Whether every model is also evaluated on the seen round's samples (seen.evaluate false: they are only an anchor file). */
const evaluatesSeen = (sweep: Sweep): boolean => !!sweep.seen && sweep.seen.evaluate !== false;

/** The seen round's samples as a JSONL file in the sweep folder (written once). */
function seenFile(sweep: Sweep): string | null {
  if (!sweep.seen) return null;
  const file = join(sweep.out, `seen-round-${sweep.seen.round}.jsonl`);
  if (!existsSync(file)) {
    const train = parseJsonl<Sample>(readFileSync(sweep.train, 'utf8'));
    writeFileSync(file, seenSamples(train, sweep.seen).map((x) => JSON.stringify(x) + '\n').join(''));
  }
  return file;
}

/** `ttpa sft` keeps checkpoint-<step>/ folders (the last step's always): the newest. */
function lastCheckpoint(dir: string): string {
  const steps = readdirSync(dir).map((n) => /^checkpoint-(\d+)$/.exec(n)).filter((m) => m !== null).map((m) => Number(m[1]));
  if (steps.length === 0) throw new Error(`${dir}: ttpa sft left no checkpoint-<step> folder`);
  return `checkpoint-${Math.max(...steps)}`;
}

/** The model a finished training run left in `out` (dpo: model/; sft: its newest checkpoint), or null. */
function trainedModel(out: string, kind: Exclude<Variant['kind'], 'model'>): string | null {
  if (kind === 'dpo') return existsSync(join(out, 'model', 'config.json')) ? join(out, 'model') : null;
  if (!existsSync(out) || !readdirSync(out).some((n) => /^checkpoint-\d+$/.test(n))) return null;
  return join(out, lastCheckpoint(out));
}

/** Sample lines of each --anchor file, read once (variants usually share one). */
const anchorLines = new Map<string, number>();

/** A trained dpo variant's anchor dose (variantAnchorDose), from its run.json's kept pairs and its --anchor file's lines. */
function anchorDoseOf(sweep: Sweep, v: Variant): number | undefined {
  const flags = v.flags ?? [];
  const runJson = join(sweep.out, v.name, 'dpo', 'run.json');
  const anchorFile = flags.includes('--anchor') ? resolve(REPO, flags[flags.indexOf('--anchor') + 1]) : '';
  const kept = existsSync(runJson) ? (JSON.parse(readFileSync(runJson, 'utf8')) as { pairs?: { kept?: number } }).pairs?.kept : undefined;
  if (anchorFile && !anchorLines.has(anchorFile) && existsSync(anchorFile)) anchorLines.set(anchorFile, readFileSync(anchorFile, 'utf8').split('\n').filter((l) => l.trim()).length);
  const samples = anchorFile ? anchorLines.get(anchorFile) : undefined;
  return variantAnchorDose(sweep, v, kept, samples);
}

/** Trains (unless done) and evaluates one variant on validation (and on the seen round's samples); returns the folder. */
async function runVariant(sweep: Sweep, v: Variant | null): Promise<string> {
  const dir = join(sweep.out, v?.name ?? 'start');
  const report = join(dir, 'val.json');
  const seen = seenFile(sweep);
  const evalSeen = seen && evaluatesSeen(sweep);
  if (existsSync(report) && (!evalSeen || existsSync(join(dir, 'seen.json')))) return dir;
  mkdirSync(dir, { recursive: true });
  let model = sweep.model;
  const trained = v?.kind === 'model' ? v.model! : v ? trainedModel(join(dir, v.kind), v.kind) : null;
  if (trained) {
    model = trained;
  } else if (v) {
    const out = join(dir, v.kind);
    if (v.kind === 'dpo') {
      const config = join(sweep.out, 'dpo.json');
      writeFileSync(config, JSON.stringify(sweep.dpo));
      // checkpoints every SWEEP_CHECKPOINT_EVERY steps; a variant stopped mid-training resumes from its last one
      await run(['dpo', '--model', sweep.model, '--pairs', filteredPairs(sweep, v.pairs ?? sweep.pairs, v.filter ?? 'all'), '--config', config, '--out', out, ...dpoStartFlags(out), ...(v.flags ?? [])], join(dir, 'train.log'));
      model = join(out, 'model');
    } else {
      await run(['sft', '--model', sweep.model, '--data', sweep.train, '--out', out, '--overwrite', ...(v.flags ?? [])], join(dir, 'train.log'));
      model = join(out, lastCheckpoint(out));
    }
  }
  if (!existsSync(report)) await run(['eval', '--model', model, '--data', valFile(sweep), '--out', report, '--max-new-tokens', '96', '--overwrite'], join(dir, 'eval.log'));
  if (evalSeen) await run(['eval', '--model', model, '--data', seen!, '--out', join(dir, 'seen.json'), '--max-new-tokens', '96', '--overwrite'], join(dir, 'eval_seen.log'));
  return dir;
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
  const load = (p: string): EvalReport | undefined => (existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as EvalReport) : undefined);
  const reportsOf = (name: string, what: string): VariantReports => {
    const dir = reports.get(name);
    if (!dir) return { name, what, failure: failures.get(name) ?? 'not run' };
    return { name, what, val: load(join(dir, 'val.json')), seen: evaluatesSeen(sweep) ? load(join(dir, 'seen.json')) : undefined };
  };
  const start = reportsOf('start', 'the start model');
  const what = (v: Variant): string => {
    if (v.kind === 'model') return `evaluated: \`${v.model}\``;
    const dose = anchorDoseOf(sweep, v);
    return `${v.kind}${v.pairs ? ` on \`${v.pairs}\`` : ''}${v.filter ? ` (${v.filter} pairs)` : ''} ${(v.flags ?? []).join(' ')}${dose ? `; anchor ×${dose}` : ''}`.trim();
  };
  const variants = sweep.variants.map((v) => reportsOf(v.name, what(v)));
  const compare = sweep.compareTo ? variants.find((v) => v.name === sweep.compareTo) : undefined;
  const heldOutLine = sweep.heldOut
    ? `Validation: \`${sweep.val}\` plus the train samples the loop run never drew (past the first ${sweep.heldOut.warmupSamples} + ${sweep.heldOut.rounds} × ${sweep.heldOut.promptsPerRound} of its seed-${sweep.heldOut.seed} shuffle).`
    : '';
  const seenLine = sweep.seen && evaluatesSeen(sweep)
    ? `Seen round: the ${sweep.seen.promptsPerRound} train samples of loop round ${sweep.seen.round} (seed ${sweep.seen.seed}), the prompts the pairs came from: an update that lowers error there and not on validation memorises.`
    : '';
  const md = [
    `# Validation sweep (${start.val?.turns.length ?? '?'} validation turns)`, '',
    `Start model \`${sweep.model}\`; pairs \`${sweep.pairs}\`; base DPO settings \`${JSON.stringify(sweep.dpo)}\`.`,
    'Intervals: 95% bootstrap; fixed / broke: turns the variant got right and the start model wrong / the reverse, exact McNemar p.',
    ...(seenLine ? [seenLine] : []), ...(heldOutLine ? [heldOutLine] : []), '',
    ...sweepTable(start, variants, compare), '',
  ].join('\n');
  writeFileSync(join(sweep.out, 'sweep.md'), md);
  console.log(md);
}

await main();
