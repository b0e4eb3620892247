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

const subdirs = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : []);

const jsonl = <T>(text: string): T[] => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

async function main(): Promise<void> {
  const runDir = process.argv[2];
  if (!runDir || !existsSync(join(runDir, 'report.json'))) throw new Error(`usage: bundle_reference.ts <runDir with report.json> (got ${runDir ?? 'nothing'})`);
  const out = resolve(option('out', join(REPO, 'public/reference/run.json')));
  const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as { kind?: string; preset: string; seed: number; arms: Record<string, unknown>; config: { pairsToken: Record<string, unknown> } };

  // Per-turn exactness of every evaluated model (same test turns, same order): eval/<name>/report.json, where
  // 'sft' is the starting model (a loop report lists it as `start`, the single-round one as arms.sft).
  const perTurn: Record<string, { sampleId: string; turn: number; exact: boolean }[]> = {};
  for (const name of ['sft', ...Object.keys(report.arms)]) {
    const file = join(runDir, 'eval', name, 'report.json');
    if (!existsSync(file) || perTurn[name]) continue;
    const r = JSON.parse(readFileSync(file, 'utf8')) as EvalReport;
    perTurn[name] = r.turns.map((t) => ({ sampleId: t.sampleId, turn: t.turn, exact: t.exact }));
  }
  // Training curves: dpo/<arm>/metrics.jsonl (single round), or loop/<arm>/round-<k>/metrics.jsonl with the
  // rounds' steps laid end to end (loop).
  const curves: Record<string, Record<string, number>[]> = {};
  const condense = (file: string, offset: number): Record<string, number>[] =>
    jsonl<Record<string, number>>(readFileSync(file, 'utf8')).map((m) => ({ ...Object.fromEntries(CURVE_KEYS.filter((k) => k in m).map((k) => [k, m[k]])), step: m.step + offset }));
  for (const name of subdirs(join(runDir, 'dpo'))) {
    const file = join(runDir, 'dpo', name, 'metrics.jsonl');
    if (existsSync(file)) curves[name] = condense(file, 0);
  }
  for (const arm of subdirs(join(runDir, 'loop')).filter((d) => d !== 'shared')) {
    const points: Record<string, number>[] = [];
    for (let k = 1; existsSync(join(runDir, 'loop', arm, `round-${k}`, 'metrics.jsonl')); k++) {
      points.push(...condense(join(runDir, 'loop', arm, `round-${k}`, 'metrics.jsonl'), points.at(-1)?.step ?? 0));
    }
    if (points.length) curves[arm] = points;
  }

  // The teaching details: the run's token-pair settings on its first train prompts, with its start model.
  await initBackend({ order: ['wasm', 'cpu'] });
  // The run's starting model: its own SFT when it trained one, else the shipped default it started from.
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
  console.log(`${out}: ${report.kind ?? 'single-round'} report, arms ${Object.keys(report.arms).join(', ')}; curves ${Object.keys(curves).join(', ') || 'none'}; ${details.length} prompts with pairs; ${(JSON.stringify(bundle).length / 1024).toFixed(0)} KiB`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
