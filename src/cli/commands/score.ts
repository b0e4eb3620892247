// `ttpa score`: ESM for each line of a JSONL file of {id, tools, truth, prediction} cases.
// Malformed lines are reported (file:line: reason) and skipped; the output is written atomically.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { resolveScoringConfig } from '../../core/scoring/config.ts';
import { parseJsonLines } from '../../core/scoring/bfcl_files.ts';
import { scoreCase, type ScoredCase } from '../../core/scoring/score_cases.ts';
import { optStr, str, type Command } from '../args.ts';
import { writeFiles } from '../files.ts';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Writes `content` to `path` through a temporary file and a rename. */
export function writeTextAtomic(path: string, content: string): void {
  writeFiles(dirname(path), { [basename(path)]: content });
}

export const scoreCommand: Command = {
  name: 'score',
  summary: 'ESM-score predicted tool calls against the ground truth (JSONL in, JSONL out)',
  options: [
    { name: 'in', type: 'string', help: 'JSONL of {"id", "tools", "truth", "prediction"}', required: true },
    { name: 'out', type: 'string', help: 'JSONL of {"id", "esm", "parts", "errors"}', required: true },
    { name: 'config', type: 'string', help: 'JSON file of scoring overrides, e.g. {"weights": {"value": 3}}' },
  ],
  async run(args) {
    const inPath = str(args, 'in');
    const configPath = optStr(args, 'config');
    const config = resolveScoringConfig(configPath ? JSON.parse(readText(configPath)) : {});
    const { rows, problems } = parseJsonLines(readText(inPath));
    const scored: ScoredCase[] = [];
    for (const { line, value } of rows) {
      const r = scoreCase(value, config);
      if ('reason' in r) problems.push({ line, reason: r.reason });
      else scored.push(r);
    }
    problems.sort((a, b) => a.line - b.line);
    for (const p of problems) console.error(`${inPath}:${p.line}: ${p.reason}`);
    writeTextAtomic(str(args, 'out'), scored.map((s) => JSON.stringify(s)).join('\n') + (scored.length ? '\n' : ''));
    const meanEsm = scored.length ? scored.reduce((s, x) => s + x.esm, 0) / scored.length : 0;
    console.log(JSON.stringify({ scored: scored.length, malformed: problems.length, mean_esm: meanEsm }));
    return problems.length ? 1 : 0;
  },
};
