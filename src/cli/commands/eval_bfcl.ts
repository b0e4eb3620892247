// `ttpa eval-bfcl`: BFCL-compatible verdicts for one category's predictions; the summary JSON
// (accuracy, counts per error_type) is the last line printed. Missing and unknown ids are reported.
import { BFCL_CATEGORIES, type BfclCategory } from '../../core/scoring/bfcl_checker.ts';
import { runBfcl } from '../../core/scoring/bfcl_run.ts';
import { parseJsonLines } from '../../core/scoring/bfcl_files.ts';
import { bool, optStr, str, UsageError, type Command } from '../args.ts';
import { readInputText } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION, writeResultLines } from '../run_folder.ts';

export const evalBfclCommand: Command = {
  name: 'eval-bfcl',
  summary: 'check predictions with the BFCL AST checker rules (Python categories)',
  options: [
    { name: 'category', type: 'string', help: 'BFCL category', required: true, choices: BFCL_CATEGORIES },
    { name: 'questions', type: 'string', help: 'BFCL question file (JSONL)', required: true },
    { name: 'answers', type: 'string', help: 'BFCL possible-answer file (not for irrelevance)' },
    { name: 'predictions', type: 'string', help: 'JSONL of {"id", "result": text or [{name: {args}}]}', required: true },
    { name: 'out', type: 'string', help: 'JSONL of {"id", "valid", "error_type"}', required: true },
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const category = str(args, 'category') as BfclCategory;
    const answersPath = optStr(args, 'answers');
    if (category !== 'irrelevance' && !answersPath) throw new UsageError(`--answers is required for ${category}`);
    if (category === 'irrelevance' && answersPath) throw new UsageError('irrelevance takes no --answers');
    const paths = { questions: str(args, 'questions'), answers: answersPath ?? '', predictions: str(args, 'predictions') };
    const out = str(args, 'out');
    checkNotInput(out, [paths.questions, answersPath, paths.predictions]);
    claimOutputs([out], bool(args, 'overwrite'));
    const predictions = readInputText(paths.predictions);
    const { verdicts, summary, problems } = runBfcl({
      category,
      questions: readInputText(paths.questions),
      answers: answersPath ? readInputText(answersPath) : undefined,
      predictions,
    });
    for (const p of problems) console.error(`${paths[p.file]}${p.line ? `:${p.line}` : ''}: ${p.reason}`);
    // Verdicts for predictions that were never read would all say "missing": write none then.
    const readable = parseJsonLines(predictions).rows.length > 0;
    const code = writeResultLines(out, readable ? verdicts.map((v) => JSON.stringify(v)) : [], problems.length, console.error);
    console.log(JSON.stringify(summary));
    return code;
  },
};
