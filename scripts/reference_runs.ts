// Reads one finished `ttpa pipeline` run folder into an entry of the reference bundle (public/reference/run.json):
// report.json as written, every evaluated model's per-turn exactness, and the DPO curves. File reading only: the
// token-level teaching details need the model and are made by scripts/bundle_reference.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalReport } from '../src/core/scoring/evaluate.ts';

/** Format tag of a bundle that holds several runs; a bundle without one is the old single-run layout. */
export const BUNDLE_FORMAT = 'ttpa-reference/2';

const CURVE_KEYS = ['step', 'loss', 'rewards/margins', 'rewards/accuracies', 'kl'];

export interface RunEntry {
  source: { run: string; preset: string; seed: number; startModel: string };
  /** The run's report.json, unchanged (a loop report or a single-round one). */
  report: { kind?: string; preset: string; seed: number; arms: Record<string, unknown>; config: { pairsToken: Record<string, unknown> } };
  /**
   * Per evaluated model ('sft' = the starting model, then each arm): one character per test turn, '1' when the
   * turn was exactly right, '0' when not; every string lists the same turns in eval/sft/report.json's order.
   */
  exact: Record<string, string>;
  /** DPO metrics per arm, condensed to CURVE_KEYS; loop rounds laid end to end. */
  curves: Record<string, Record<string, number>[]>;
}

const subdirs = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : []);

const jsonl = <T>(text: string): T[] => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

const folderName = (dir: string): string => dir.replace(/\/+$/, '').split('/').pop() ?? dir;

/** The run's starting model: its own SFT when it trained one, else the shipped default it started from. */
export function startModelDir(runDir: string, repo: string): string {
  return existsSync(join(runDir, 'sft/model/config.json')) ? join(runDir, 'sft/model') : join(repo, 'models/default');
}

export function readRun(runDir: string, repo: string): RunEntry {
  const reportFile = join(runDir, 'report.json');
  if (!existsSync(reportFile)) throw new Error(`${runDir}: no report.json (not a finished \`ttpa pipeline\` run folder)`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunEntry['report'];
  if (!report.arms || typeof report.seed !== 'number') throw new Error(`${reportFile}: not a pipeline report (no arms or seed); a --seeds aggregate? give its seed-<n>/ folders`);
  return {
    source: { run: folderName(runDir), preset: report.preset, seed: report.seed, startModel: startModelDir(runDir, repo).replace(`${repo}/`, '') },
    report, exact: readExact(runDir, ['sft', ...Object.keys(report.arms)]), curves: readCurves(runDir, Object.keys(report.arms)),
  };
}

/** eval/<name>/report.json of each name present, as 0/1 strings over the same turns in the same order. */
function readExact(runDir: string, names: string[]): Record<string, string> {
  const exact: Record<string, string> = {};
  let order: string[] | undefined;
  let first = '';
  for (const name of names) {
    const file = join(runDir, 'eval', name, 'report.json');
    if (!existsSync(file) || name in exact) continue;
    const turns = (JSON.parse(readFileSync(file, 'utf8')) as EvalReport).turns;
    const keys = turns.map((t) => `${t.sampleId}#${t.turn}`);
    if (!order) [order, first] = [keys, file];
    else {
      const at = keys.findIndex((k, i) => k !== order![i]);
      if (keys.length !== order.length || at >= 0) {
        throw new Error(`${file}: its turns do not line up with ${first} (${keys.length} vs ${order.length} turns${at >= 0 ? `; turn ${at} is ${keys[at]}, there ${order[at]}` : ''})`);
      }
    }
    exact[name] = turns.map((t) => (t.exact ? '1' : '0')).join('');
  }
  return exact;
}

/**
 * dpo/<arm>/metrics.jsonl (single round), or loop/<arm>/round-<k>/metrics.jsonl with the rounds' steps end to end, for
 * the report's arms only (a loop folder can hold arms another preset trained, which its report does not list).
 */
function readCurves(runDir: string, arms: string[]): Record<string, Record<string, number>[]> {
  const curves: Record<string, Record<string, number>[]> = {};
  const condense = (file: string, offset: number): Record<string, number>[] =>
    jsonl<Record<string, number>>(readFileSync(file, 'utf8')).map((m) => ({ ...Object.fromEntries(CURVE_KEYS.filter((k) => k in m).map((k) => [k, m[k]])), step: m.step + offset }));
  for (const name of subdirs(join(runDir, 'dpo'))) {
    const file = join(runDir, 'dpo', name, 'metrics.jsonl');
    if (existsSync(file)) curves[name] = condense(file, 0);
  }
  for (const arm of subdirs(join(runDir, 'loop')).filter((d) => arms.includes(d))) {
    const points: Record<string, number>[] = [];
    for (let k = 1; existsSync(join(runDir, 'loop', arm, `round-${k}`, 'metrics.jsonl')); k++) {
      points.push(...condense(join(runDir, 'loop', arm, `round-${k}`, 'metrics.jsonl'), points.at(-1)?.step ?? 0));
    }
    if (points.length) curves[arm] = points;
  }
  return curves;
}
