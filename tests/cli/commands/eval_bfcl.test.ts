import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../run_main.ts';
import { parseBfclAnswers, parseBfclQuestions, referenceCalls } from '../../../src/core/scoring/bfcl_files.ts';
import { toPyJson } from '../../../src/core/scoring/py_value.ts';
import { BFCL_DIR } from '../../bfcl_dir.ts';

const dir = mkdtempSync(join(tmpdir(), 'ttpa-bfcl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BFCL = BFCL_DIR;

const runBfcl = async (argv: string[]) => { const r = await runMain(argv); return { ...r, out: r.lines }; };

describe('ttpa eval-bfcl', () => {
  it('simple_python: ground truth passes; changes, missing and unknown ids are reported', async () => {
    const questions = `${BFCL}/BFCL_v4_simple_python.json`;
    const answersPath = `${BFCL}/possible_answer/BFCL_v4_simple_python.json`;
    const q = parseBfclQuestions(readFileSync(questions, 'utf8')).entries;
    const a = parseBfclAnswers(readFileSync(answersPath, 'utf8')).entries;
    const lines = q.map((e, i) => {
      const calls = referenceCalls(a[i].groundTruth, e.functions);
      if (i === 0) return JSON.stringify({ id: e.id, result: 'calculate_triangle_area(base=10, height=5, unit="units")' });
      if (i === 1) return JSON.stringify({ id: e.id, result: 'I am not sure.' });
      if (i === 2) return `{"id": "${e.id}", "result": [{"wrong_name": {"x": 4}}]}`;
      if (i === 3) return null;
      return `{"id": "${e.id}", "result": ${toPyJson(calls)}}`;
    });
    const preds = join(dir, 'preds.jsonl');
    writeFileSync(preds, [...lines.filter((l) => l !== null), '{"id": "simple_python_9999", "result": "x"}', '{oops'].join('\n'));
    const out = join(dir, 'verdicts.jsonl');
    const r = await runBfcl(['eval-bfcl', '--category', 'simple_python', '--questions', questions, '--answers', answersPath, '--predictions', preds, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown id 'simple_python_9999'");
    expect(r.err).toContain("no prediction for 'simple_python_3'");
    expect(r.err).toMatch(/preds\.jsonl:401: invalid JSON/);
    const verdicts = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(verdicts).toHaveLength(400);
    expect(verdicts.slice(0, 4)).toEqual([
      { id: 'simple_python_0', valid: true, error_type: null },
      { id: 'simple_python_1', valid: false, error_type: 'ast_decoder:decoder_failed' },
      { id: 'simple_python_2', valid: false, error_type: 'simple_function_checker:wrong_func_name' },
      { id: 'simple_python_3', valid: false, error_type: 'missing_prediction' },
    ]);
    const summary = JSON.parse(r.out.at(-1)!);
    expect(summary).toMatchObject({ category: 'simple_python', total: 400, correct: 397, missing_predictions: 1, unknown_ids: ['simple_python_9999'] });
    expect(summary.accuracy).toBeCloseTo(397 / 400, 12);
    expect(summary.error_types).toEqual({ 'ast_decoder:decoder_failed': 1, 'simple_function_checker:wrong_func_name': 1, missing_prediction: 1 });
  });
  it('irrelevance takes no answers file', async () => {
    const questions = `${BFCL}/BFCL_v4_irrelevance.json`;
    const q = parseBfclQuestions(readFileSync(questions, 'utf8')).entries;
    const preds = join(dir, 'irr.jsonl');
    writeFileSync(preds, q.map((e, i) => JSON.stringify({ id: e.id, result: i === 0 ? `${e.functions[0].name}(a=1)` : 'No tool fits.' })).join('\n'));
    const out = join(dir, 'irr_verdicts.jsonl');
    const r = await runBfcl(['eval-bfcl', '--category', 'irrelevance', '--questions', questions, '--predictions', preds, '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.at(-1)!)).toMatchObject({ total: 240, correct: 239, error_types: { 'irrelevance_error:decoder_success': 1 } });
    const withAnswers = await runBfcl(['eval-bfcl', '--category', 'irrelevance', '--questions', questions, '--answers', questions, '--predictions', preds, '--out', out]);
    expect(withAnswers.code).toBe(2);
    const noAnswers = await runBfcl(['eval-bfcl', '--category', 'parallel', '--questions', questions, '--predictions', preds, '--out', out]);
    expect(noAnswers.code).toBe(2);
  });
});
