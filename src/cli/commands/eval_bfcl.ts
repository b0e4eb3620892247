// `ttpa eval-bfcl`: BFCL-compatible verdicts for one category's predictions; the summary JSON
// (accuracy, counts per error_type) is the last line printed. Missing and unknown ids are reported.
import { BFCL_CATEGORIES, type BfclCategory } from '../../core/scoring/bfcl_checker.ts';
import { runBfcl } from '../../core/scoring/bfcl_run.ts';
import { optStr, str, UsageError, type Command } from '../args.ts';
import { readText, writeTextAtomic } from './score.ts';

export const evalBfclCommand: Command = {
  name: 'eval-bfcl',
  summary: 'check predictions with the BFCL AST checker rules (Python categories)',
  options: [
    { name: 'category', type: 'string', help: 'BFCL category', required: true, choices: BFCL_CATEGORIES },
    { name: 'questions', type: 'string', help: 'BFCL question file (JSONL)', required: true },
    { name: 'answers', type: 'string', help: 'BFCL possible-answer file (not for irrelevance)' },
    { name: 'predictions', type: 'string', help: 'JSONL of {"id", "result": text or [{name: {args}}]}', required: true },
    { name: 'out', type: 'string', help: 'JSONL of {"id", "valid", "error_type"}', required: true },
  ],
  async run(args) {
    const category = str(args, 'category') as BfclCategory;
    const answersPath = optStr(args, 'answers');
    if (category !== 'irrelevance' && !answersPath) throw new UsageError(`--answers is required for ${category}`);
    if (category === 'irrelevance' && answersPath) throw new UsageError('irrelevance takes no --answers');
    const paths = { questions: str(args, 'questions'), answers: answersPath ?? '', predictions: str(args, 'predictions') };
    const { verdicts, summary, problems } = runBfcl({
      category,
      questions: readText(paths.questions),
      answers: answersPath ? readText(answersPath) : undefined,
      predictions: readText(paths.predictions),
    });
    for (const p of problems) console.error(`${paths[p.file]}${p.line ? `:${p.line}` : ''}: ${p.reason}`);
    writeTextAtomic(str(args, 'out'), verdicts.map((v) => JSON.stringify(v)).join('\n') + (verdicts.length ? '\n' : ''));
    console.log(JSON.stringify(summary));
    return problems.length ? 1 : 0;
  },
};
