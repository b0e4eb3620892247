// `ttpa compare a.json b.json [c.json ...]`: a before/after table of evaluation reports (EvalReport
// JSON, e.g. from the eval command). Prints Markdown; --out also writes the comparison as JSON.
import { resolve, sep } from 'node:path';
import type { EvalReport } from '../../core/scoring/evaluate.ts';
import { compareReports } from '../../core/scoring/report.ts';
import { bool, list, optStr, UsageError, type Command } from '../args.ts';
import { writeFileAtomic } from '../atomic_write.ts';
import { readJsonFile } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';

function readReport(path: string): EvalReport {
  const r = readJsonFile(path, 'report') as Partial<EvalReport> | null;
  if (!r || typeof r !== 'object' || !r.overall || !r.byCategory || !r.byDomain) {
    throw new Error(`${path}: not an evaluation report (expected "overall", "byCategory" and "byDomain")`);
  }
  const o = r.overall as unknown as Record<string, unknown>;
  for (const k of ['turns', 'exactMatch', 'meanEsm']) {
    if (typeof o[k] !== 'number') throw new Error(`${path}: not an evaluation report (overall.${k} must be a number, got ${JSON.stringify(o[k])})`);
  }
  return r as EvalReport;
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare evaluation reports side by side (Markdown table, optional JSON)',
  options: [
    { name: 'reports', type: 'string', help: 'report JSON files, given as bare arguments: a.json b.json ...', positional: true, required: true },
    { name: 'out', type: 'string', help: 'also write the comparison as JSON here' },
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const paths = list(args, 'reports');
    if (!paths.length) throw new UsageError('give at least one report file');
    const names = reportNames(paths);
    const comparison = compareReports(paths.map((p, i) => ({ name: names[i], report: readReport(p) })));
    const out = optStr(args, 'out');
    if (out) {
      checkNotInput(out, paths);
      claimOutputs([out], bool(args, 'overwrite'));
      writeFileAtomic(out, JSON.stringify({ names: comparison.names, rows: comparison.rows, significance: comparison.significance }, null, 2) + '\n');
    }
    console.log(comparison.markdown.trimEnd());
    return 0;
  },
};

/**
 * Column names: each file's name without .json, widened by its parent folders until the names differ
 * (a run folder's ttpa/report.json and sft-continued/report.json read "ttpa/report" and "sft-continued/report").
 */
export function reportNames(paths: string[]): string[] {
  const parts = paths.map((p) => resolve(p).replace(/\.json$/, '').split(sep).filter(Boolean));
  const depth = parts.map(() => 1);
  for (;;) {
    const names = parts.map((ps, i) => ps.slice(-depth[i]).join('/'));
    const clash = names.map((n, i) => names.indexOf(n) !== i || names.lastIndexOf(n) !== i);
    const widen = clash.map((c, i) => c && depth[i] < parts[i].length);
    if (!widen.some(Boolean)) return names;
    widen.forEach((w, i) => { if (w) depth[i]++; });
  }
}
