// `ttpa calibrate`: chooses a checkpoint's call-or-answer bias on a validation file (the bias on the
// <tool_call> token's first-step log-prob with the lowest error) and reports a test file at bias 0 and
// at the chosen bias, so arms can be compared with the decision threshold set the same way for each.
// File I/O and arguments only; the decoding is pipeline/call_decision.ts, the choice scoring/call_calibration.ts.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { disposeModel } from '../../core/model/params.ts';
import { calibrateDecision } from '../../core/pipeline/call_decision.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { loadCheckpoint } from '../../core/runtime/checkpoint.ts';
import { biasGrid, type BiasPoint } from '../../core/scoring/call_calibration.ts';
import { reportToMarkdown } from '../../core/scoring/report.ts';
import { pairedOutcome, type PairedOutcome } from '../../core/scoring/significance.ts';
import { parseSamplesJsonl } from '../../core/train/sft_data.ts';
import type { Sample } from '../../core/data/sample.ts';
import { bool, num, optStr, str, UsageError, type Command } from '../args.ts';
import { writeFiles } from '../atomic_write.ts';
import { dirSource, readInputText } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';
import { describeBackend, THREADS_OPTION, threadsOption } from '../threads.ts';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const signed = (b: number): string => (b > 0 ? `+${b}` : `${b}`);

export const calibrateCommand: Command = {
  name: 'calibrate',
  summary: 'choose the call-or-answer bias on validation (lowest error) and evaluate a test file at it',
  options: [
    { name: 'model', type: 'string', help: 'HF checkpoint folder (model + tokenizer)', required: true },
    { name: 'val', type: 'string', help: 'validation samples (JSONL) the bias is chosen on', required: true },
    { name: 'test', type: 'string', help: 'test samples (JSONL) evaluated at bias 0 and at the chosen bias' },
    { name: 'out', type: 'string', help: 'folder for calibration.json, calibration.md and the test reports', required: true },
    { name: 'span', type: 'number', help: 'largest |bias| tried, in nats; turns this close to the threshold are decoded both ways', default: 4 },
    { name: 'step', type: 'number', help: 'distance between the biases tried', default: 0.25 },
    { name: 'max-new-tokens', type: 'int', help: 'longest generated turn', default: 128 },
    { name: 'batch-size', type: 'int', help: 'prompts decoded together', default: 16 },
    { name: 'limit', type: 'int', help: 'use only the first N samples of each file (0 = all)', default: 0 },
    OVERWRITE_OPTION,
    { name: 'backend', type: 'string', help: 'tfjs backend', choices: ['wasm', 'cpu'], default: 'wasm' },
    THREADS_OPTION,
  ],
  async run(args) {
    const valPath = str(args, 'val');
    const testPath = optStr(args, 'test');
    for (const p of [valPath, testPath]) if (p !== undefined && !existsSync(p)) throw new UsageError(`${p} does not exist`);
    for (const k of ['max-new-tokens', 'batch-size'] as const) if (num(args, k) < 1) throw new UsageError(`--${k} must be >= 1, got ${num(args, k)}`);
    if (num(args, 'limit') < 0) throw new UsageError(`--limit must be >= 0, got ${num(args, 'limit')}`);
    if (!(num(args, 'span') >= 0) || !(num(args, 'step') > 0)) throw new UsageError(`--span must be >= 0 and --step > 0, got ${num(args, 'span')} and ${num(args, 'step')}`);
    const grid = biasGrid(num(args, 'span'), num(args, 'step'));
    const out = resolve(str(args, 'out'));
    const names = ['calibration.json', 'calibration.md', ...(testPath ? ['test_greedy.json', 'test_greedy.md', 'test_calibrated.json', 'test_calibrated.md'] : [])];
    for (const n of names) checkNotInput(resolve(out, n), [valPath, testPath, str(args, 'model')]);
    claimOutputs(names.map((n) => resolve(out, n)), bool(args, 'overwrite'));
    const read = (path: string): Sample[] => {
      const all = parseSamplesJsonl(readInputText(path), path);
      const samples = num(args, 'limit') > 0 ? all.slice(0, num(args, 'limit')) : all;
      if (!samples.length) throw new Error(`${path}: no samples`);
      return samples;
    };
    const val = read(valPath);
    const test = testPath ? read(testPath) : undefined;
    const backend = await initBackend({ order: [str(args, 'backend') as BackendName], threads: threadsOption(args) });
    const { model, tokenizer } = await loadCheckpoint(dirSource(str(args, 'model')));
    try {
      const t0 = performance.now();
      let last = 0;
      const cal = await calibrateDecision(model, tokenizer, val, test, {
        grid, maxNewTokens: num(args, 'max-new-tokens'), batchSize: num(args, 'batch-size'), span: num(args, 'span'),
        onProgress: (what, done, total) => {
          if (performance.now() - last > 10000 || done === total) {
            last = performance.now();
            console.log(`calibrate: ${what} ${done}/${total} turns`);
          }
        },
      });
      const { chosen, greedy, points } = cal.val;
      const files: Record<string, string> = {};
      let testResult: TestResult | undefined;
      if (cal.test && testPath) {
        const t = cal.test;
        testResult = { path: testPath, greedy: t.greedy, calibrated: t.calibrated, calibratedVsGreedy: pairedOutcome(t.calibratedReport, t.greedyReport), flipsDecoded: t.flipsDecoded };
        files['test_greedy.json'] = JSON.stringify(t.greedyReport, null, 2) + '\n';
        files['test_greedy.md'] = reportToMarkdown(t.greedyReport);
        files['test_calibrated.json'] = JSON.stringify(t.calibratedReport, null, 2) + '\n';
        files['test_calibrated.md'] = reportToMarkdown(t.calibratedReport);
      }
      const result: CalibrationResult = {
        model: str(args, 'model'), span: num(args, 'span'), step: num(args, 'step'),
        val: { path: valPath, turns: cal.val.turns, flipsDecoded: cal.val.flipsDecoded, greedy, chosen, points },
        ...(testResult ? { test: testResult } : {}),
      };
      files['calibration.json'] = JSON.stringify(result, null, 2) + '\n';
      files['calibration.md'] = calibrationMarkdown(result);
      writeFiles(out, files);
      console.log(`${describeBackend(backend)}: calibrated in ${((performance.now() - t0) / 1000).toFixed(1)} s; validation ${pct(greedy.errorRate)} at bias 0, ` +
        `${pct(chosen.errorRate)} at the chosen bias ${signed(chosen.bias)}` + (testResult ? `; test ${pct(testResult.greedy.errorRate)} -> ${pct(testResult.calibrated.errorRate)}` : '') + `; wrote ${out}`);
      return 0;
    } finally {
      disposeModel(model);
    }
  },
};

interface TestResult {
  path: string;
  greedy: BiasPoint;
  calibrated: BiasPoint;
  /** a = the chosen bias, b = bias 0, on the same turns. */
  calibratedVsGreedy: PairedOutcome;
  flipsDecoded: number;
}

interface CalibrationResult {
  model: string;
  span: number;
  step: number;
  val: { path: string; turns: number; flipsDecoded: number; greedy: BiasPoint; chosen: BiasPoint; points: BiasPoint[] };
  test?: TestResult;
}

function calibrationMarkdown(r: CalibrationResult): string {
  const row = (p: BiasPoint): string => `| ${p === r.val.chosen ? `**${signed(p.bias)}** (chosen)` : signed(p.bias)} | ${pct(p.errorRate)} | ${p.calls} | ${p.spurious} | ${p.missed} |`;
  const lines = [
    `# Call-or-answer calibration: ${r.model}`,
    '',
    `The bias is added to the log-prob of \`<tool_call>\` at each turn's first token (greedy otherwise). Chosen on`,
    `${r.val.path} (${r.val.turns} turns): the lowest error, ties to the bias nearest 0. Spurious = a call where the`,
    `ground truth answers in text; missed = text where it calls. ${r.val.flipsDecoded} turns within ${r.span} nats were decoded both ways.`,
    '',
  ];
  if (r.test) {
    const t = r.test;
    const p = t.calibratedVsGreedy;
    lines.push(
      `**Test** (${t.path}, ${p.turns} turns): ${pct(t.greedy.errorRate)} at bias 0, ${pct(t.calibrated.errorRate)} at ${signed(r.val.chosen.bias)}; ` +
      `right only at the chosen bias / only at 0: ${p.aWins} / ${p.bWins}, p = ${p.p.toPrecision(2)} (exact McNemar). ` +
      `Spurious / missed calls ${t.greedy.spurious} / ${t.greedy.missed} -> ${t.calibrated.spurious} / ${t.calibrated.missed}.`,
      '',
    );
  }
  if (Math.abs(r.val.chosen.bias) >= Math.max(...r.val.points.map((p) => Math.abs(p.bias))) && r.val.chosen.bias !== 0) {
    lines.push(`The chosen bias is at the edge of the span: a wider --span may find a lower error.`, '');
  }
  lines.push('| bias | validation error | calls | spurious | missed |', '| --- | --- | --- | --- | --- |');
  for (const p of r.val.points) lines.push(row(p));
  return lines.join('\n') + '\n';
}
