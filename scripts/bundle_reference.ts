// Condenses finished `ttpa pipeline` run folders (one per seed, say) into public/reference/run.json, the app's
// "reference run": per run its report.json, each arm's per-turn exactness (for paired intervals) and the DPO
// curves (scripts/reference_runs.ts); plus the token-level details (token strip, divergences, branches, pairs)
// of a few train prompts of one run, recomputed with its start model and pair settings (run folders keep
// pairs, not the teaching details), so the file stays small however many runs it holds.
// Usage: node scripts/bundle_reference.mjs <runDir or runs file>... [--details <runDir>] [--model dir] [--prompts 8]
//   [--out public/reference/run.json] [--caveat text] [--runs-only]
//   --caveat: what a reader must know that the runs cannot say (a later measurement that changes how to read them);
//   the Classroom shows it above the runs. --runs-only: write the runs alone (no teaching details, no model needed), a
//   few hundred KB a seed to keep beside its report: a later bundle takes that file in place of the run folder, which
//   can be lost with its machine. A .json input is such a file (or a whole bundle, whose runs are taken).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dirSource } from '../src/cli/files.ts';
import type { Sample } from '../src/core/data/sample.ts';
import { buildPairs } from '../src/core/preference/build_pairs.ts';
import { resolvePreferenceConfig } from '../src/core/preference/config.ts';
import { initBackend } from '../src/core/runtime/backend.ts';
import { loadCheckpoint } from '../src/core/runtime/checkpoint.ts';
import { BUNDLE_FORMAT, readRun, startModelDir, type RunEntry } from './reference_runs.ts';

const REPO = resolve(import.meta.dirname, '..');
const OPTIONS = ['details', 'model', 'prompts', 'out', 'caveat'];
const FLAGS = ['runs-only'];
const USAGE = 'usage: bundle_reference.mjs <runDir or runs.json>... [--details <runDir>] [--model dir] [--prompts 8] [--out file] [--caveat text] [--runs-only]';

function parseArgs(argv: string[]): { runs: string[]; options: Record<string, string> } {
  const runs: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) { runs.push(argv[i]); continue; }
    const name = argv[i].slice(2);
    if (FLAGS.includes(name)) { options[name] = 'yes'; continue; }
    if (!OPTIONS.includes(name) || argv[i + 1] === undefined) throw new Error(`${argv[i]}: unknown option or no value (${USAGE})`);
    options[name] = argv[++i];
  }
  if (!runs.length) throw new Error(`no run folder or runs file given (${USAGE})`);
  return { runs, options };
}

const jsonl = <T>(text: string): T[] => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

/** The runs of a file written by --runs-only (or of a whole bundle), each checked for what a bundle entry needs. */
function readRunsFile(file: string): RunEntry[] {
  if (!existsSync(file)) throw new Error(`${file}: does not exist`);
  let parsed: { format?: string; runs?: RunEntry[] };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new Error(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (parsed?.format !== BUNDLE_FORMAT || !Array.isArray(parsed.runs) || !parsed.runs.length) {
    throw new Error(`${file}: not a runs file of format ${BUNDLE_FORMAT} (write one with --runs-only, or give a bundle)`);
  }
  parsed.runs.forEach((r, i) => {
    if (!r?.report?.arms || typeof r.report.seed !== 'number' || !r.exact || !r.curves || !r.source) throw new Error(`${file}: runs[${i}] lacks source, report (arms, seed), exact or curves`);
  });
  return parsed.runs;
}

async function main(): Promise<void> {
  const { runs: runDirs, options } = parseArgs(process.argv.slice(2));
  const out = resolve(options.out ?? join(REPO, 'public/reference/run.json'));
  const fromFolder = new Map<string, RunEntry>();
  const runs = runDirs.flatMap((input) => {
    if (input.endsWith('.json')) return readRunsFile(input);
    const run = readRun(input, REPO);
    fromFolder.set(input, run);
    return [run];
  });
  const seeds = runs.map((r) => r.source.seed);
  if (new Set(seeds).size !== seeds.length) throw new Error(`two runs have the same seed (${seeds.join(', ')}): the classroom tells runs apart by seed`);
  if (options['runs-only']) {
    mkdirSync(dirname(out), { recursive: true });
    const text = JSON.stringify({ format: BUNDLE_FORMAT, runs }) + '\n';
    writeFileSync(out, text);
    console.log(`${out}: the runs of seeds ${seeds.join(', ')} alone, ${(text.length / 1024).toFixed(0)} KiB`);
    return;
  }

  // The teaching details: one run's token-pair settings on its first train prompts, with its start model.
  const folders = runDirs.filter((input) => !input.endsWith('.json'));
  const detailsDir = options.details ?? folders[0];
  if (!detailsDir) throw new Error(`the teaching details need a run folder (its train samples and start model): give one among the runs or as --details (${USAGE})`);
  const detailsRun = fromFolder.get(detailsDir) ?? readRun(detailsDir, REPO);
  await initBackend({ order: ['wasm', 'cpu'] });
  const modelDir = options.model ?? startModelDir(detailsDir, REPO);
  const { model, tokenizer } = await loadCheckpoint(dirSource(modelDir));
  const trainFile = join(detailsDir, 'data/train.jsonl');
  if (!existsSync(trainFile)) throw new Error(`${trainFile}: missing (the details come from the run's train samples)`);
  const train = jsonl<Sample>(readFileSync(trainFile, 'utf8'));
  const prompts = Number(options.prompts ?? '8');
  if (!Number.isInteger(prompts) || prompts < 1) throw new Error(`--prompts must be an integer >= 1, got ${options.prompts}`);
  const config = resolvePreferenceConfig({ ...detailsRun.report.config.pairsToken, mode: 'token' });
  const built = await buildPairs(model, tokenizer, train.slice(0, prompts), config, { keepDetails: true });
  const details = (built.details ?? []).filter((d) => d.trajectory && d.pairs.length);
  const used = new Set(details.map((d) => d.sampleId));

  const bundle = {
    format: BUNDLE_FORMAT, bundledAt: new Date().toISOString(), ...(options.caveat ? { caveat: options.caveat } : {}), runs,
    teaching: {
      run: detailsRun.source.run, seed: detailsRun.source.seed, startModel: modelDir.replace(`${REPO}/`, ''),
      note: `details recomputed on the first ${prompts} train samples of seed ${detailsRun.source.seed} with the run's start model and pair settings`,
      details, samples: train.filter((s) => used.has(s.id)),
    },
  };
  mkdirSync(dirname(out), { recursive: true });
  const text = JSON.stringify(bundle) + '\n';
  writeFileSync(out, text);
  console.log(`${out}: ${runs.map((r) => `seed ${r.source.seed} (${r.source.run}: ${r.report.kind ?? 'single-round'}, arms ${Object.keys(r.report.arms).join(', ')})`).join('; ')}; details from seed ${detailsRun.source.seed}, ${details.length} prompts with pairs; ${(text.length / 1024).toFixed(0)} KiB`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
