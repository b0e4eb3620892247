// Runs the BFCL checker over a whole category: joins questions, possible answers and predictions by
// id, reports unknown, duplicate and missing predictions instead of skipping them, and summarises.
// Text in, plain data out; reading and writing files is the CLI's job.
import { checkBfclEntry, type BfclCategory } from './bfcl_checker.ts';
import { parseBfclAnswers, parseBfclQuestions, parseJsonLines, type LineProblem } from './bfcl_files.ts';
import { pyType } from './py_value.ts';

export interface BfclVerdictLine {
  id: string;
  valid: boolean;
  /** A BFCL error_type verbatim, `missing_prediction` when no prediction was given, or null. */
  error_type: string | null;
}

export interface BfclSummary {
  category: BfclCategory;
  total: number;
  correct: number;
  /** correct / total; missing predictions count as wrong. */
  accuracy: number;
  error_types: Record<string, number>;
  missing_predictions: number;
  unknown_ids: string[];
  problems: number;
}

export interface BfclRunProblem extends LineProblem {
  file: 'questions' | 'answers' | 'predictions';
}

export interface BfclRunInput {
  category: BfclCategory;
  questions: string;
  /** Required for every category but irrelevance. */
  answers?: string;
  predictions: string;
}

export function runBfcl(input: BfclRunInput): { verdicts: BfclVerdictLine[]; summary: BfclSummary; problems: BfclRunProblem[] } {
  const problems: BfclRunProblem[] = [];
  const q = parseBfclQuestions(input.questions);
  problems.push(...q.problems.map((p) => ({ ...p, file: 'questions' as const })));
  const answers = new Map<string, ReturnType<typeof parseBfclAnswers>['entries'][number]>();
  if (input.category !== 'irrelevance') {
    if (input.answers === undefined) throw new Error(`category ${input.category} needs a possible-answers file`);
    const a = parseBfclAnswers(input.answers);
    problems.push(...a.problems.map((p) => ({ ...p, file: 'answers' as const })));
    for (const e of a.entries) answers.set(e.id, e);
  }
  const known = new Set(q.entries.map((e) => e.id));
  const predictions = new Map<string, unknown>();
  const unknownIds: string[] = [];
  const p = parseJsonLines(input.predictions, true);
  problems.push(...p.problems.map((x) => ({ ...x, file: 'predictions' as const })));
  for (const { line, value } of p.rows) {
    const v = value as { id?: unknown; result?: unknown };
    if (pyType(v) !== 'dict' || typeof v.id !== 'string' || !('result' in v)) {
      problems.push({ file: 'predictions', line, reason: 'expected {"id": string, "result": text or [{name: {args}}]}' });
    } else if (!known.has(v.id)) {
      unknownIds.push(v.id);
      problems.push({ file: 'predictions', line, reason: `unknown id '${v.id}' (not in the questions file)` });
    } else if (predictions.has(v.id)) {
      problems.push({ file: 'predictions', line, reason: `duplicate prediction for '${v.id}'; the first one is used` });
    } else predictions.set(v.id, v.result);
  }

  const verdicts: BfclVerdictLine[] = [];
  let missing = 0;
  for (const e of q.entries) {
    if (!predictions.has(e.id)) {
      missing++;
      problems.push({ file: 'predictions', line: 0, reason: `no prediction for '${e.id}'` });
      verdicts.push({ id: e.id, valid: false, error_type: 'missing_prediction' });
      continue;
    }
    const answer = answers.get(e.id);
    if (input.category !== 'irrelevance' && !answer) {
      problems.push({ file: 'answers', line: 0, reason: `no possible answer for '${e.id}'` });
      verdicts.push({ id: e.id, valid: false, error_type: 'missing_answer' });
      continue;
    }
    const v = checkBfclEntry(input.category, e.functions, predictions.get(e.id), answer?.groundTruth ?? []);
    verdicts.push({ id: e.id, valid: v.valid, error_type: v.error_type });
  }
  const errorTypes: Record<string, number> = {};
  for (const v of verdicts) if (v.error_type) errorTypes[v.error_type] = (errorTypes[v.error_type] ?? 0) + 1;
  const correct = verdicts.filter((v) => v.valid).length;
  const summary: BfclSummary = {
    category: input.category,
    total: verdicts.length,
    correct,
    accuracy: verdicts.length ? correct / verdicts.length : 0,
    error_types: errorTypes,
    missing_predictions: missing,
    unknown_ids: unknownIds,
    problems: problems.length,
  };
  return { verdicts, summary, problems };
}
