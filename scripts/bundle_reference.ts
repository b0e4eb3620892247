// Condenses a finished `ttpa pipeline` run folder into public/reference/run.json, the app's "reference run":
// report.json as written, each arm's per-turn exactness (for paired intervals), the DPO curves, and the
// token-level details (token strip, divergences, branches, pairs) of a few train prompts, recomputed with the
// run's start model and pair settings (the run folder keeps pairs, not the teaching details).
// Usage: node scripts/bundle_reference.mjs <runDir> [--model models/default] [--prompts 8] [--out public/reference/run.json]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dirSource } from '../src/cli/files.ts';
import type { Sample } from '../src/core/data/sample.ts';
import { buildPairs } from '../src/core/preference/build_pairs.ts';
import { resolvePreferenceConfig } from '../src/core/preference/config.ts';
import { initBackend } from '../src/core/runtime/backend.ts';
import { loadCheckpoint } from '../src/core/runtime/checkpoint.ts';
import type { EvalReport } from '../src/core/scoring/evaluate.ts';

const REPO = resolve(import.meta.dirname, '..');
const CURVE_KEYS = ['step', 'loss', 'rewards/margins', 'rewards/accuracies', 'kl'];

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const jsonl = <T>(text: string): T[] => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

async function main(): Promise<void> {
  const runDir = process.argv[2];
  if (!runDir || !existsSync(join(runDir, 'report.json'))) throw new Error(`usage: bundle_reference.ts <runDir with report.json> (got ${runDir ?? 'nothing'})`);
  const out = resolve(option('out', join(REPO, 'public/reference/run.json')));
  const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as { preset: string; seed: number; arms: Record<string, unknown>; config: { pairsToken: Record<string, unknown> } };

  // Per-turn exactness of every arm that has an evaluation folder (same test turns, same order).
  const perTurn: Record<string, { sampleId: string; turn: number; exact: boolean }[]> = {};
  for (const arm of Object.keys(report.arms)) {
    const file = join(runDir, 'eval', arm, 'report.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8')) as EvalReport;
    perTurn[arm] = r.turns.map((t) => ({ sampleId: t.sampleId, turn: t.turn, exact: t.exact }));
  }
  const curves: Record<string, Record<string, number>[]> = {};
  const dpoDir = join(runDir, 'dpo');
  for (const name of existsSync(dpoDir) ? readdirSync(dpoDir) : []) {
    const file = join(dpoDir, name, 'metrics.jsonl');
    if (!existsSync(file)) continue;
    curves[name] = jsonl<Record<string, number>>(readFileSync(file, 'utf8')).map((m) => Object.fromEntries(CURVE_KEYS.filter((k) => k in m).map((k) => [k, m[k]])));
  }

  // The teaching details: the run's token-pair settings on its first train prompts, with its start model.
  await initBackend({ order: ['wasm', 'cpu'] });
  const modelDir = option('model', existsSync(join(runDir, 'sft/model/config.json')) ? join(runDir, 'sft/model') : join(REPO, 'models/default'));
  const { model, tokenizer } = await loadCheckpoint(dirSource(modelDir));
  const train = jsonl<Sample>(readFileSync(join(runDir, 'data/train.jsonl'), 'utf8'));
  const prompts = Number(option('prompts', '8'));
  const config = resolvePreferenceConfig({ ...report.config.pairsToken, mode: 'token' });
  const built = await buildPairs(model, tokenizer, train.slice(0, prompts), config, { keepDetails: true });
  const details = (built.details ?? []).filter((d) => d.trajectory && d.pairs.length);
  const used = new Set(details.map((d) => d.sampleId));

  const bundle = {
    source: {
      run: runDir.replace(/\/+$/, '').split('/').pop(),
      preset: report.preset, seed: report.seed, bundledAt: new Date().toISOString(), startModel: modelDir.replace(`${REPO}/`, ''),
      note: `details recomputed on the first ${prompts} train samples with the run's start model and pair settings`,
    },
    report, perTurn, curves, details, samples: train.filter((s) => used.has(s.id)),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(bundle) + '\n');
  console.log(`${out}: ${Object.keys(report.arms).join(', ')} arms; ${details.length} prompts with pairs; ${(JSON.stringify(bundle).length / 1024).toFixed(0)} KiB`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
