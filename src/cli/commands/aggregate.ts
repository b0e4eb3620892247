// `ttpa aggregate a/report.json b/report.json ...`: the multi-seed report of `ttpa pipeline --seeds`, built from
// per-seed loop reports alone. A run folder can be lost (a machine is replaced, a disk fills); its report.json
// holds every count the pooled tests need, so seeds run at different times or places still pool.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { ARM_NAMES } from '../../core/pipeline/loop_config.ts';
import { aggregateLoopReports, type LoopReport } from '../../core/pipeline/loop_report.ts';
import { bool, list, optStr, UsageError, type Command } from '../args.ts';
import { writeFileAtomic } from '../atomic_write.ts';
import { readJsonFile } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';

const isOutcome = (o: unknown): boolean => {
  const x = o as Record<string, unknown> | null;
  return !!x && typeof x === 'object' && ['turns', 'aWins', 'bWins', 'p'].every((k) => typeof x[k] === 'number');
};

/** One seed's loop report, checked for every field the aggregate reads; errors name the file and the field. */
export function readLoopReport(path: string): LoopReport {
  const r = readJsonFile(path, 'report') as Record<string, unknown> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${path}: not a loop report (a pipeline run's report.json object)`);
  const at = (field: string): unknown => field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), r);
  const bad = (field: string, want: string): never => {
    const v = at(field);
    throw new Error(`${path}: ${field} must be ${want}, got ${v === undefined ? 'nothing' : JSON.stringify(v).slice(0, 80)}`);
  };
  if (r.kind !== 'loop') return bad('kind', `"loop" (the report.json of a preset with loop.rounds >= 1, one seed's folder)`);
  if (typeof r.preset !== 'string') bad('preset', 'a string');
  if (!Number.isInteger(r.seed)) bad('seed', 'an integer');
  const start = r.start as Record<string, unknown> | undefined;
  if (typeof start?.errorRate !== 'number' || typeof start.turns !== 'number') bad('start', 'an object with errorRate and turns');
  const arms = r.arms as Record<string, Record<string, unknown>> | undefined;
  if (!arms || typeof arms !== 'object' || !arms.ttpa) bad('arms.ttpa', 'an object');
  for (const [a, arm] of Object.entries(arms!)) {
    if (!(ARM_NAMES as readonly string[]).includes(a)) bad(`arms.${a}`, `one of the arms ${ARM_NAMES.join(', ')}`);
    if (typeof arm.errorRate !== 'number' || !Array.isArray(arm.ci) || !isOutcome(arm.vsStart)) bad(`arms.${a}`, 'an object with errorRate, ci and vsStart');
  }
  for (const a of Object.keys(arms!).filter((x) => x !== 'ttpa')) {
    if (!isOutcome((r.ttpaVs as Record<string, unknown> | undefined)?.[a])) bad(`ttpaVs.${a}`, 'a paired outcome (turns, aWins, bWins, p)');
  }
  if (r.calibrated !== undefined) {
    for (const a of Object.keys(arms!).filter((x) => x !== 'ttpa')) {
      if (!isOutcome(at(`calibrated.ttpaVs.${a}`))) bad(`calibrated.ttpaVs.${a}`, 'a paired outcome (turns, aWins, bWins, p)');
      for (const k of ['call', 'text', 'bothCall']) if (!isOutcome(at(`calibrated.ttpaVsByTurn.${a}.${k}`))) bad(`calibrated.ttpaVsByTurn.${a}.${k}`, 'a paired outcome (turns, aWins, bWins, p)');
    }
  }
  if (typeof (r.goal as Record<string, unknown> | undefined)?.met !== 'boolean') bad('goal.met', 'true or false');
  if (typeof r.wallMs !== 'number') bad('wallMs', 'a number');
  return r as unknown as LoopReport;
}

export const aggregateCommand: Command = {
  name: 'aggregate',
  summary: "pool per-seed loop reports (each seed's report.json) into one multi-seed report",
  options: [
    { name: 'reports', type: 'string', help: "each seed's report.json, given as bare arguments: seed-1/report.json seed-2/report.json ...", positional: true, required: true },
    { name: 'out', type: 'string', help: 'write the Markdown report here and its JSON beside it (.json); without it, print the Markdown' },
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const paths = list(args, 'reports');
    if (paths.length < 2) throw new UsageError('give at least two seeds\' report.json files to pool');
    const out = optStr(args, 'out');
    if (out && !out.endsWith('.md')) throw new UsageError(`--out ${out} must end in .md (its JSON goes beside it)`);
    const reports = paths.map(readLoopReport);
    const preset = reports[0].preset;
    reports.forEach((r, i) => {
      if (r.preset !== preset) throw new Error(`${paths[i]} is preset '${r.preset}', ${paths[0]} is '${preset}': pool one preset's seeds`);
      const j = reports.findIndex((x) => x.seed === r.seed);
      if (j !== i) throw new Error(`${paths[j]} and ${paths[i]} are both seed ${r.seed}`);
      const arms = Object.keys(r.arms).sort().join(', ');
      const want = Object.keys(reports[0].arms).sort().join(', ');
      if (arms !== want) throw new Error(`${paths[i]} has the arms ${arms}, ${paths[0]} has ${want}: pool runs of the same arms (ttpa pipeline --arms)`);
    });
    const order = reports.map((_, i) => i).sort((a, b) => reports[a].seed - reports[b].seed);
    const mdOf = (p: string): string | null => { const md = p.replace(/\.json$/, '.md'); return md !== p && existsSync(md) ? md : null; };
    const links = order.map((i) => { const md = mdOf(paths[i]); return md ? relative(out ? dirname(resolve(out)) : process.cwd(), resolve(md)) : null; });
    const agg = aggregateLoopReports(preset, order.map((i) => reports[i]), links);
    if (out) {
      const json = out.replace(/\.md$/, '.json');
      checkNotInput(out, paths);
      checkNotInput(json, paths);
      claimOutputs([out, json], bool(args, 'overwrite'));
      writeFileAtomic(json, JSON.stringify(agg.report, null, 2) + '\n');
      writeFileAtomic(out, agg.markdown);
      console.log(`aggregate of seeds ${agg.report.seeds.join(', ')}: ${out} (and ${json})`);
    } else {
      console.log(agg.markdown.trimEnd());
    }
    return 0;
  },
};
