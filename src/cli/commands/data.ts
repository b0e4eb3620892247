// `ttpa data`: generate a reversed-construction dataset, split it without call leakage, and write
// train/val/test JSONL plus stats.json into --out: all four files or none, and never over an
// existing dataset without --overwrite.
import { join } from 'node:path';
import { bool, num, optStr, str, UsageError, type Command } from '../args.ts';
import { writeFiles } from '../atomic_write.ts';
import { claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';
import { resolveDataConfig, type DataConfigOverrides } from '../../core/data/config.ts';
import { generateDataset } from '../../core/data/generate.ts';
import { excludeShared, splitSamples } from '../../core/data/split.ts';
import { parseSamplesJsonl } from '../../core/train/sft_data.ts';
import { readInputText } from '../files.ts';
import { datasetStats } from '../../core/data/stats.ts';

/** "single=0.5,parallel=0.2" -> {single: 0.5, parallel: 0.2}. */
function parseMix(text: string): Record<string, number> {
  return Object.fromEntries(text.split(',').map((part) => {
    const [k, v] = part.split('=');
    const x = Number(v);
    if (!k || v === undefined || !Number.isFinite(x)) throw new UsageError(`--mix entries look like single=0.4, got '${part}'`);
    return [k.trim(), x];
  }));
}

/** "1-3" -> {min: 1, max: 3}; range checks are the data config's. */
function parseRange(text: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--distractors looks like 0-2 (min-max), got '${text}'`);
  return { min: Number(m[1]), max: Number(m[2]) };
}

export const dataCommand: Command = {
  name: 'data',
  summary: 'generate a tool-use SFT dataset by reversed construction (train/val/test JSONL + stats)',
  options: [
    { name: 'n', type: 'int', help: 'number of samples', default: 5000 },
    { name: 'seed', type: 'int', help: 'random seed', default: 1 },
    { name: 'out', type: 'string', help: 'output directory', required: true },
    { name: 'mix', type: 'string', help: 'category shares, e.g. single=0.4,multi_step=0.25,parallel=0.15,multi_turn=0.1,irrelevance=0.1' },
    { name: 'distractors', type: 'string', help: 'tools offered besides the needed ones, min-max, e.g. 0-0 for short prompts (default 1-3)' },
    { name: 'val', type: 'number', help: 'validation share', default: 0.05 },
    { name: 'test', type: 'number', help: 'test share', default: 0.1 },
    { name: 'exclude', type: 'string', help: "comma-separated samples JSONL files (e.g. another run's val.jsonl,test.jsonl): drop generated samples that share a call (tool + arguments) or a call-free question with them, before the split" },
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const mix = optStr(args, 'mix');
    const overrides: DataConfigOverrides = { n: num(args, 'n'), seed: num(args, 'seed'), split: { val: num(args, 'val'), test: num(args, 'test') } };
    if (mix) overrides.mix = parseMix(mix);
    const distractors = optStr(args, 'distractors');
    if (distractors) overrides.distractors = parseRange(distractors);
    let cfg;
    try {
      cfg = resolveDataConfig(overrides);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const out = str(args, 'out');
    const excludeFiles = (optStr(args, 'exclude') ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    const held = excludeFiles.flatMap((f) => parseSamplesJsonl(readInputText(f), f)); // read (and checked) before any output is claimed
    const names = ['train.jsonl', 'val.jsonl', 'test.jsonl', 'stats.json'];
    claimOutputs(names.map((n) => join(out, n)), bool(args, 'overwrite'));
    const t0 = performance.now();
    const generated = generateDataset(cfg);
    const genMs = Math.round(performance.now() - t0);
    const { kept: samples, dropped } = excludeShared(generated, held);
    if (samples.length === 0) throw new UsageError(`--exclude dropped all ${generated.length} generated samples`);
    const split = splitSamples(samples, cfg.split, cfg.seed);
    const exclusion = excludeFiles.length ? { excluded: { files: excludeFiles, dropped } } : {};
    const stats = { config: cfg, generateMs: genMs, ...exclusion, ...datasetStats(samples), split: split.report };
    const lines = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r) + '\n'); // one string per line: no size limit
    writeFiles(out, { // all four or none
      'train.jsonl': lines(split.train), 'val.jsonl': lines(split.val), 'test.jsonl': lines(split.test),
      'stats.json': JSON.stringify(stats, null, 2) + '\n',
    });
    if (excludeFiles.length) console.log(`--exclude: dropped ${dropped} of ${generated.length} generated samples that share a call or question with ${excludeFiles.join(', ')}`);
    console.log(`${samples.length} samples in ${genMs} ms -> ${out} (train ${split.report.counts.train}, val ${split.report.counts.val}, test ${split.report.counts.test})`);
    console.log(`calls/sample ${stats.meanCallsPerSample}, distinct questions ${stats.distinctQuestionRatio} (shapes ${stats.distinctShapeRatio}), prompt chars mean ${stats.promptChars.mean} (max ${stats.promptChars.max}), test call signatures in train: ${split.report.testSignaturesInTrain}`);
    return 0;
  },
};
