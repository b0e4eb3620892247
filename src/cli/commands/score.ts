// `ttpa score`: ESM for each line of a JSONL file of {id, tools, truth, prediction} cases.
// Malformed lines are reported (file:line: reason) and skipped; the output is written atomically,
// and not at all when no line could be scored.
import { resolveScoringConfig } from '../../core/scoring/config.ts';
import { parseJsonLines } from '../../core/scoring/bfcl_files.ts';
import { scoreCase, type ScoredCase } from '../../core/scoring/score_cases.ts';
import { bool, optStr, str, type Command } from '../args.ts';
import { readInputText, readJsonFile } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION, writeResultLines } from '../run_folder.ts';

export const scoreCommand: Command = {
  name: 'score',
  summary: 'ESM-score predicted tool calls against the ground truth (JSONL in, JSONL out)',
  options: [
    { name: 'in', type: 'string', help: 'JSONL of {"id", "tools", "truth", "prediction"}', required: true },
    { name: 'out', type: 'string', help: 'JSONL of {"id", "esm", "parts", "errors"}', required: true },
    { name: 'config', type: 'string', help: 'JSON file of scoring overrides, e.g. {"weights": {"value": 3}}' },
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const inPath = str(args, 'in');
    const configPath = optStr(args, 'config');
    const out = str(args, 'out');
    const config = resolveScoringConfig(configPath ? readJsonFile(configPath, '--config') : {});
    checkNotInput(out, [inPath, configPath]);
    claimOutputs([out], bool(args, 'overwrite'));
    const { rows, problems } = parseJsonLines(readInputText(inPath));
    const scored: ScoredCase[] = [];
    for (const { line, value } of rows) {
      const r = scoreCase(value, config);
      if ('reason' in r) problems.push({ line, reason: r.reason });
      else scored.push(r);
    }
    problems.sort((a, b) => a.line - b.line);
    for (const p of problems) console.error(`${inPath}:${p.line}: ${p.reason}`);
    if (!rows.length && !problems.length) throw new Error(`${inPath}: no cases to score`);
    const code = writeResultLines(out, scored.map((s) => JSON.stringify(s)), problems.length, console.error);
    const meanEsm = scored.length ? scored.reduce((s, x) => s + x.esm, 0) / scored.length : 0;
    console.log(JSON.stringify({ scored: scored.length, malformed: problems.length, mean_esm: meanEsm }));
    return code;
  },
};
