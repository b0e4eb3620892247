// `ttpa pairs`: preference pairs from a model checkpoint and a JSONL file of samples, written as TRL
// conversational preference JSONL plus a stats JSON beside it. Argument parsing and file I/O only.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { buildPairs, type BuildProgress } from '../../core/preference/build_pairs.ts';
import { resolvePreferenceConfig, type PreferenceConfig } from '../../core/preference/config.ts';
import { turnDecisionWarning } from '../../core/preference/stats.ts';
import { pairsToTrlJsonl } from '../../core/preference/trl_export.ts';
import { disposeModel } from '../../core/model/params.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { loadCheckpoint } from '../../core/runtime/checkpoint.ts';
import { resolveScoringConfig } from '../../core/scoring/config.ts';
import { parseSamplesJsonl } from '../../core/train/sft_data.ts';
import { bool, optNum, optStr, str, UsageError, type Command, type ParsedArgs } from '../args.ts';
import { describeBackend, THREADS_OPTION, threadsOption } from '../threads.ts';
import { dirSource, readInputText, readJsonFile, writeFiles } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';

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
    { name: 'model', type: 'string', help: 'HF checkpoint folder (model + tokenizer): the policy', required: true },
    { name: 'data', type: 'string', help: 'samples, one JSON Sample per line', required: true },
    { name: 'out', type: 'string', help: 'output JSONL (TRL conversational preference); stats go to <out>.stats.json', required: true },
    { name: 'mode', type: 'string', help: 'pair construction', choices: ['token', 'turn', 'sequence'], default: 'token' },
    { name: 'limit', type: 'int', help: 'use only the first N samples (0 = all)' },
    { name: 'config', type: 'string', help: 'JSON file of preference settings (src/core/preference/config.ts); flags override it' },
    ...FLAGS.map(([flag, field, type]) => ({ name: flag, type, help: `preference.${field}` })),
    { name: 'spans', type: 'string', help: "span types a divergence may lie in, comma-separated (name,key,value,format; 'any' = anywhere)" },
    { name: 'no-reuse', type: 'boolean', help: 're-encode prompt + prefix for every branch (benchmark baseline)' },
    { name: 'no-ground-truth', type: 'boolean', help: 'token mode: no ground-truth pair at the first wrong token' },
    { name: 'no-text-turns', type: 'boolean', help: 'sample only tool-call turns (no plain-answer turns: irrelevance, final answers)' },
    OVERWRITE_OPTION,
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

async function run(args: ParsedArgs): Promise<number> {
  const config = resolvePreferenceConfig(configOverrides(args));
  const dataPath = str(args, 'data');
  if (!existsSync(dataPath)) throw new UsageError(`--data ${dataPath} does not exist`);
  const out = str(args, 'out');
  const name = basename(out);
  const statsName = `${name.replace(/\.jsonl$/, '')}.stats.json`;
  checkNotInput(out, [dataPath, str(args, 'model'), optStr(args, 'config')]);
  claimOutputs([out, join(dirname(out), statsName)], bool(args, 'overwrite'));
  const limit = optNum(args, 'limit');
  if (limit !== undefined && limit < 0) throw new UsageError(`--limit must be >= 0 (0 = all), got ${limit}`);
  const backend = await initBackend({ order: [str(args, 'backend') as BackendName], threads: threadsOption(args) });
  console.error(`backend: ${describeBackend(backend)}`);
  let samples = parseSamplesJsonl(readInputText(dataPath), dataPath);
  if (limit) samples = samples.slice(0, limit);
  if (!samples.length) throw new Error(`${dataPath}: no samples to build pairs from`);
  const { model, tokenizer } = await loadCheckpoint(dirSource(str(args, 'model')));
  try {
    let last = 0;
    const onProgress = (p: BuildProgress): void => {
      if (p.done < p.total && p.elapsedMs - last < 2000) return;
      last = p.elapsedMs;
      const eta = p.etaMs !== undefined ? `, ETA ${clock(p.etaMs)}` : '';
      console.error(`pairs: ${p.done}/${p.total} prompts, ${p.pairs} pairs, ${clock(p.elapsedMs)} elapsed${eta}`);
    };
    const result = await buildPairs(model, tokenizer, samples, config, { onProgress, scoring: resolveScoringConfig() });
    writeFiles(dirname(out), {
      [name]: pairsToTrlJsonl(result.pairs),
      [statsName]: JSON.stringify({ config, backend: backend.backend, ...result.stats }, null, 2) + '\n',
    });
    const s = result.stats;
    console.error(`done: ${s.pairs} pairs from ${s.prompts} prompts (${s.pairsPerPrompt.toFixed(2)}/prompt, ${(s.noPairShare * 100).toFixed(0)}% with none; text turns: ${s.pairsByTurn.text} pairs from ${s.promptsByTurn.text} prompts) in ${clock(s.elapsedMs)} -> ${out}`);
    const oneSided = turnDecisionWarning(s);
    if (oneSided) console.error(`warning: ${oneSided}`);
    return 0;
  } finally {
    disposeModel(model);
  }
}
