// `ttpa pairs`: preference pairs from a model checkpoint and a JSONL file of samples, written as TRL
// conversational preference JSONL plus a stats JSON beside it, sample by sample so a stopped build
// continues where it stopped (pairs_build.ts); `--shard K/N` and `--merge` split a build over processes.
// Argument parsing and file I/O only.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildProgress } from '../../core/preference/build_pairs.ts';
import { resolvePreferenceConfig, type PreferenceConfig } from '../../core/preference/config.ts';
import { turnDecisionWarning } from '../../core/preference/stats.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { loadCheckpoint } from '../../core/runtime/checkpoint.ts';
import { resolveScoringConfig } from '../../core/scoring/config.ts';
import { parseSamplesJsonl } from '../../core/train/sft_data.ts';
import { bool, list, optNum, optStr, str, UsageError, type Command, type ParsedArgs } from '../args.ts';
import { describeBackend, THREADS_OPTION, threadsOption } from '../threads.ts';
import { dirSource, readInputText, readJsonFile, readNamed } from '../files.ts';
import { buildPairsFile } from '../pairs_build.ts';
import { mergePairShards } from '../pairs_merge.ts';
import { progressPath, type PairsIdentity, type Shard } from '../pairs_progress.ts';
import { checkNotInput, OVERWRITE_OPTION } from '../run_folder.ts';

/** CLI flag -> PreferenceConfig field (unset flags keep the default or the --config file's value). */
const FLAGS: [string, keyof PreferenceConfig, 'number' | 'int'][] = [
  ['seed', 'seed', 'int'], ['top-k', 'topK', 'int'], ['min-top1', 'minTop1Prob', 'number'], ['max-entropy', 'maxEntropy', 'number'],
  ['alt-ratio', 'altRatio', 'number'], ['max-branches', 'maxBranchesPerPrompt', 'int'], ['alts-per-point', 'maxAltsPerPoint', 'int'],
  ['max-new-tokens', 'maxNewTokens', 'int'], ['temperature', 'temperature', 'number'], ['branch-temperature', 'branchTemperature', 'number'],
  ['n-samples', 'nSamples', 'int'], ['min-margin', 'minMargin', 'number'], ['ground-truth-points', 'groundTruthPoints', 'int'],
];

export const pairsCommand: Command = {
  name: 'pairs',
  summary: 'preference pairs (token-level branching, TTPA per-turn rule or sequence baseline) as TRL JSONL',
  options: [
    { name: 'model', type: 'string', help: 'HF checkpoint folder (model + tokenizer): the policy (required unless --merge)' },
    { name: 'data', type: 'string', help: 'samples, one JSON Sample per line (required unless --merge)' },
    {
      name: 'out', type: 'string', required: true,
      help: 'output JSONL (TRL conversational preference), appended sample by sample; <out>.progress.jsonl records what is done, so the same command continues a stopped build; stats go to <out>.stats.json at the end',
    },
    { name: 'mode', type: 'string', help: 'pair construction', choices: ['token', 'turn', 'sequence'], default: 'token' },
    { name: 'limit', type: 'int', help: 'use only the first N samples (0 = all)' },
    { name: 'config', type: 'string', help: 'JSON file of preference settings (src/core/preference/config.ts); flags override it' },
    ...FLAGS.map(([flag, field, type]) => ({ name: flag, type, help: `preference.${field}` })),
    { name: 'spans', type: 'string', help: "span types a divergence may lie in, comma-separated (name,key,value,format; 'any' = anywhere)" },
    { name: 'no-reuse', type: 'boolean', help: 're-encode prompt + prefix for every branch (benchmark baseline)' },
    { name: 'no-ground-truth', type: 'boolean', help: 'token mode: no ground-truth pair at the first wrong token' },
    { name: 'no-text-turns', type: 'boolean', help: 'sample only tool-call turns (no plain-answer turns: irrelevance, final answers)' },
    { name: 'shard', type: 'string', help: 'K/N: build only the samples whose index % N == K (run N processes, then --merge their outputs)' },
    { name: 'merge', type: 'boolean', help: 'merge finished shard files (bare arguments) into --out, byte-identical to the unsharded build' },
    { name: 'shard-files', type: 'string', help: 'with --merge: the shard outputs, as bare arguments', positional: true },
    { ...OVERWRITE_OPTION, help: 'start over: remove an existing output, its progress and stats (otherwise a build with other settings is refused)' },
    { name: 'backend', type: 'string', help: 'tfjs backend', choices: ['wasm', 'cpu'], default: 'wasm' },
    THREADS_OPTION,
  ],
  run,
};

function configOverrides(args: ParsedArgs): Record<string, unknown> {
  const file = optStr(args, 'config');
  let overrides: Record<string, unknown> = {};
  if (file) overrides = readJsonFile(file, '--config') as Record<string, unknown>;
  overrides = { ...overrides, mode: str(args, 'mode') };
  for (const [flag, field] of FLAGS) if (optNum(args, flag) !== undefined) overrides[field] = optNum(args, flag);
  const spans = optStr(args, 'spans');
  if (spans !== undefined) overrides.spans = spans === 'any' ? [] : spans.split(',').map((s) => s.trim()).filter(Boolean);
  if (bool(args, 'no-reuse')) overrides.reusePrefix = false;
  if (bool(args, 'no-ground-truth')) overrides.forceGroundTruth = false;
  if (bool(args, 'no-text-turns')) overrides.includeTextTurns = false;
  return overrides;
}

const clock = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** --shard K/N (null for none or 0/1). */
function shardOption(args: ParsedArgs): Shard | null {
  const raw = optStr(args, 'shard');
  if (raw === undefined) return null;
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || count < 1 || index >= count) throw new UsageError(`--shard must be K/N with 0 <= K < N (e.g. 0/2), got '${raw}'`);
  return count === 1 ? null : { index, count };
}

/** sha256 of a checkpoint folder's regular files, names and bytes, in name order. */
function folderHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) {
    if (!statSync(join(dir, f)).isFile()) continue;
    h.update(`${f}\n`);
    h.update(readNamed(join(dir, f)));
  }
  return h.digest('hex');
}

function required(args: ParsedArgs, name: string): string {
  const v = optStr(args, name);
  if (v === undefined) throw new UsageError(`missing required option --${name}`);
  return v;
}

/** The options `--merge` reads; any other one given would be silently ignored, so it is refused by name. */
const MERGE_OPTIONS = new Set(['out', 'merge', 'shard-files', 'overwrite']);

function merge(args: ParsedArgs): number {
  const ignored = pairsCommand.options.find((o) => !MERGE_OPTIONS.has(o.name) && args[o.name] !== undefined && args[o.name] !== o.default);
  if (ignored) throw new UsageError(`--merge joins finished shard files as they were built: --${ignored.name} has no effect on a merge (give the build's settings to the shard runs)`);
  const out = str(args, 'out');
  const files = list(args, 'shard-files');
  for (const f of files) checkNotInput(out, [f, progressPath(f)]);
  const { samples, pairs } = mergePairShards(out, files, bool(args, 'overwrite'));
  console.error(`merged ${files.length} shards: ${pairs} pairs from ${samples} samples -> ${out}`);
  return 0;
}

async function run(args: ParsedArgs): Promise<number> {
  if (list(args, 'shard-files').length && !bool(args, 'merge')) throw new UsageError(`unexpected argument '${list(args, 'shard-files')[0]}' (shard files are merged with --merge)`);
  if (bool(args, 'merge')) return merge(args);
  const config = resolvePreferenceConfig(configOverrides(args));
  const shard = shardOption(args);
  const modelDir = required(args, 'model');
  const dataPath = required(args, 'data');
  if (!existsSync(dataPath)) throw new UsageError(`--data ${dataPath} does not exist`);
  const out = str(args, 'out');
  checkNotInput(out, [dataPath, modelDir, optStr(args, 'config')]);
  const limit = optNum(args, 'limit');
  if (limit !== undefined && limit < 0) throw new UsageError(`--limit must be >= 0 (0 = all), got ${limit}`);
  const backend = await initBackend({ order: [str(args, 'backend') as BackendName], threads: threadsOption(args) });
  console.error(`backend: ${describeBackend(backend)}`);
  const dataText = readInputText(dataPath);
  let samples = parseSamplesJsonl(dataText, dataPath);
  if (limit) samples = samples.slice(0, limit);
  if (!samples.length) throw new Error(`${dataPath}: no samples to build pairs from`);
  if (!existsSync(modelDir) || !statSync(modelDir).isDirectory()) throw new Error(`model folder ${modelDir} does not exist or is not a folder`);
  const identity: PairsIdentity = {
    model: folderHash(modelDir), data: createHash('sha256').update(dataText).digest('hex'), samples: samples.length,
    preference: config, scoring: resolveScoringConfig(), backend: backend.backend, shard,
  };
  const stop = new AbortController();
  const onSignal = (): void => {
    console.error('stopping after the sample in progress (rerun the same command to continue)');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const r = await buildPairsFile({
      out, samples, identity, paths: { model: modelDir, data: dataPath }, overwrite: bool(args, 'overwrite'),
      loadModel: () => loadCheckpoint(dirSource(modelDir)), signal: stop.signal, onProgress: progressPrinter(), log: (line) => console.error(line),
    });
    if (!r.stats) {
      console.error(`stopped: ${r.done}/${r.total} samples done in ${out}; rerun the same command to continue`);
      return 130;
    }
    const s = r.stats;
    const part = shard ? ` (shard ${shard.index}/${shard.count}: merge the shards with --merge)` : '';
    console.error(`done: ${s.pairs} pairs from ${s.prompts} prompts (${s.pairsPerPrompt.toFixed(2)}/prompt, ${(s.noPairShare * 100).toFixed(0)}% with none; text turns: ${s.pairsByTurn.text} pairs from ${s.promptsByTurn.text} prompts) in ${clock(s.elapsedMs)} -> ${out}${part}`);
    const oneSided = turnDecisionWarning(s);
    if (oneSided) console.error(`warning: ${oneSided}`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Progress on stderr, at most every 2 s (and at the end). */
function progressPrinter(): (p: BuildProgress) => void {
  let last = -Infinity;
  return (p) => {
    if (p.done < p.total && p.elapsedMs - last < 2000) return;
    last = p.elapsedMs;
    const eta = p.etaMs !== undefined ? `, ETA ${clock(p.etaMs)}` : '';
    console.error(`pairs: ${p.done}/${p.total} prompts, ${p.pairs} pairs, ${clock(p.elapsedMs)} elapsed${eta}`);
  };
}
