// `ttpa compare a.json b.json [c.json ...]`: a before/after table of evaluation reports (EvalReport
// JSON, e.g. from the eval command). Prints Markdown; --out also writes the comparison as JSON. Where
// `ttpa eval --pass-at-k` left a.pass_at_k.json beside a report, the headroom rows and, against the first such
// report, the turns only one model's samples reach.
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { headroomLines, headroomRow, pairedReach, type HeadroomRow } from '../../core/pipeline/headroom_rows.ts';
import type { PassAtK } from '../../core/pipeline/pass_at_k.ts';
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

/** The pass@k record `ttpa eval --pass-at-k` writes (with the seed it sampled with), checked field by field. */
function readPassAtK(path: string): PassAtK & { seed?: number } {
  const r = readJsonFile(path, 'pass@k record') as Record<string, unknown> | null;
  const bad = (field: string, rule: string, v: unknown): never => { throw new Error(`${path}: ${field} ${rule}, got ${JSON.stringify(v)} (written by ttpa eval --pass-at-k)`); };
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${path}: not a pass@k record (expected a JSON object from ttpa eval --pass-at-k)`);
  if (!Number.isInteger(r.k) || (r.k as number) < 2) bad('k', 'must be an integer >= 2', r.k);
  for (const f of ['temperature', 'turns', 'passAtK', 'passAt1']) if (typeof r[f] !== 'number' || !Number.isFinite(r[f])) bad(f, 'must be a number', r[f]);
  if (!Array.isArray(r.perTurn)) bad('perTurn', 'must be a list of { sampleId, turn, exact }', r.perTurn);
  (r.perTurn as unknown[]).forEach((t, i) => {
    const x = t as Record<string, unknown> | null;
    if (!x || typeof x.sampleId !== 'string' || !Number.isInteger(x.turn) || !Number.isInteger(x.exact)) bad(`perTurn[${i}]`, 'must be { sampleId: string, turn: integer, exact: integer }', t);
  });
  return r as unknown as PassAtK & { seed?: number };
}

interface HeadroomComparison {
  k: number;
  temperature: number;
  rows: Record<string, HeadroomRow>;
  /** Each later model against the first with a record: turns only its samples reach, only the first's, exact McNemar p. */
  paired: { name: string; vs: string; gained: number; lost: number; p: number }[];
}

/** The headroom rows of the reports with a .pass_at_k.json beside them; undefined when none has one. */
function compareHeadroom(paths: string[], names: string[], reports: EvalReport[]): { result: HeadroomComparison; markdown: string } | undefined {
  const found = paths.map((p, i) => ({ i, path: p.replace(/\.json$/, '') + '.pass_at_k.json' })).filter((x) => existsSync(x.path));
  if (!found.length) return undefined;
  const records = found.map((x) => ({ ...x, name: names[x.i], record: readPassAtK(x.path) }));
  const [first] = records;
  for (const x of records) {
    if (x.record.k !== first.record.k || x.record.temperature !== first.record.temperature) {
      throw new Error(`${x.path}: pass@${x.record.k} at T ${x.record.temperature}, but ${first.path} is pass@${first.record.k} at T ${first.record.temperature}; measure every model with the same --pass-at-k and --temperature`);
    }
  }
  const rows: Record<string, HeadroomRow> = {};
  for (const x of records) {
    const row = headroomRow(x.record, reports[x.i]);
    if (!row) throw new Error(`${x.path}: sampled turns its report ${paths[x.i]} does not have; run ttpa eval --pass-at-k again with the report`);
    rows[x.name] = row;
  }
  const paired: HeadroomComparison['paired'] = [];
  const lines: string[] = [];
  for (const x of records.slice(1)) {
    const r = pairedReach(first.record, x.record);
    if (!r) lines.push(`- ${x.name} was sampled on other turns than ${first.name}: no paired count.`);
    else {
      paired.push({ name: x.name, vs: first.name, ...r });
      lines.push(`- ${x.name} against ${first.name}: its samples reach ${r.gained} turns ${first.name}'s did not and miss ${r.lost} they reached (p ${r.p < 0.001 ? '< 0.001' : `= ${r.p.toFixed(3)}`}, exact McNemar).`);
    }
  }
  const seeds = [...new Set(records.map((x) => x.record.seed))];
  if (seeds.length > 1) lines.push(`- Sampled with different seeds (${seeds.join(', ')}): not the same random stream a turn; give ttpa eval the same --seed for a paired reading.`);
  const { k, temperature } = first.record;
  return { result: { k, temperature, rows, paired }, markdown: [...headroomLines(rows, k, temperature), ...lines].join('\n') };
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
    const reports = paths.map((p) => readReport(p));
    const comparison = compareReports(reports.map((report, i) => ({ name: names[i], report })));
    const headroom = compareHeadroom(paths, names, reports);
    const out = optStr(args, 'out');
    if (out) {
      checkNotInput(out, paths);
      claimOutputs([out], bool(args, 'overwrite'));
      writeFileAtomic(out, JSON.stringify({ names: comparison.names, rows: comparison.rows, significance: comparison.significance, ...(headroom ? { headroom: headroom.result } : {}) }, null, 2) + '\n');
    }
    console.log(comparison.markdown.trimEnd());
    if (headroom) console.log('\n' + headroom.markdown.trimEnd());
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
