// `ttpa eval`: greedy, batched evaluation of an HF checkpoint on a JSONL file of samples, writing the
// scoring module's EvalReport as JSON (and its Markdown beside it); with --pass-at-k, the model's pass@k on the same
// turns beside it (.pass_at_k.json, and a section of the Markdown). File I/O and arguments only.
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { disposeModel } from '../../core/model/params.ts';
import { errorRate, evaluateModel } from '../../core/pipeline/evaluate_model.ts';
import { headroomLines, headroomRow } from '../../core/pipeline/headroom_rows.ts';
import { passAtK } from '../../core/pipeline/pass_at_k.ts';
import { initBackend, type BackendName } from '../../core/runtime/backend.ts';
import { loadCheckpoint } from '../../core/runtime/checkpoint.ts';
import { reportToMarkdown } from '../../core/scoring/report.ts';
import { parseSamplesJsonl } from '../../core/train/sft_data.ts';
import { bool, num, str, UsageError, type Command } from '../args.ts';
import { describeBackend, THREADS_OPTION, threadsOption } from '../threads.ts';
import { writeFiles } from '../atomic_write.ts';
import { dirSource, readInputText } from '../files.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a checkpoint on samples (greedy, batched): exact match, ESM, error categories',
  options: [
    { name: 'model', type: 'string', help: 'HF checkpoint folder (model + tokenizer)', required: true },
    { name: 'data', type: 'string', help: 'samples to evaluate, one JSON Sample per line', required: true },
    { name: 'out', type: 'string', help: 'report JSON path (report Markdown goes beside it as .md)', required: true },
    { name: 'max-new-tokens', type: 'int', help: 'longest generated turn', default: 128 },
    { name: 'batch-size', type: 'int', help: 'prompts decoded together', default: 16 },
    { name: 'limit', type: 'int', help: 'evaluate only the first N samples (0 = all)', default: 0 },
    { name: 'call-bias', type: 'number', help: 'added to the log-prob of <tool_call> at each turn\'s first token: > 0 calls more, < 0 answers in text more (ttpa calibrate chooses one on validation)', default: 0 },
    { name: 'pass-at-k', type: 'int', help: 'also sample K answers a turn and write pass@K beside the report (.pass_at_k.json): the turns greedy gets wrong that one of the model\'s own samples gets right (0 = off; the loop uses 8); the samples are drawn without --call-bias', default: 0 },
    { name: 'temperature', type: 'number', help: 'with --pass-at-k: the sampling temperature', default: 0.7 },
    { name: 'seed', type: 'int', help: 'with --pass-at-k: the random stream (the same seed samples every model the same way)', default: 0 },
    OVERWRITE_OPTION,
    { name: 'backend', type: 'string', help: 'tfjs backend', choices: ['wasm', 'cpu'], default: 'wasm' },
    THREADS_OPTION,
  ],
  async run(args) {
    const dataPath = str(args, 'data');
    if (!existsSync(dataPath)) throw new UsageError(`--data ${dataPath} does not exist`);
    for (const k of ['max-new-tokens', 'batch-size'] as const) if (num(args, k) < 1) throw new UsageError(`--${k} must be >= 1, got ${num(args, k)}`);
    if (num(args, 'limit') < 0) throw new UsageError(`--limit must be >= 0, got ${num(args, 'limit')}`);
    const k = num(args, 'pass-at-k');
    if (k < 0 || k === 1 || k > 64) throw new UsageError(`--pass-at-k must be 0 (off) or from 2 to 64 (samples a turn), got ${k}`);
    if (!(num(args, 'temperature') > 0)) throw new UsageError(`--temperature must be > 0, got ${num(args, 'temperature')}`);
    const out = str(args, 'out');
    const base = out.replace(/\.json$/, '');
    const mdPath = base + '.md';
    const passPath = base + '.pass_at_k.json';
    const outputs = k > 0 ? [out, mdPath, passPath] : [out, mdPath];
    for (const p of outputs) checkNotInput(p, [dataPath, str(args, 'model')]);
    claimOutputs(outputs, bool(args, 'overwrite')); // before the evaluation, not after it
    const all = parseSamplesJsonl(readInputText(dataPath), dataPath);
    const samples = num(args, 'limit') > 0 ? all.slice(0, num(args, 'limit')) : all;
    if (!samples.length) throw new Error(`${dataPath}: no samples to evaluate`);
    const backend = await initBackend({ order: [str(args, 'backend') as BackendName], threads: threadsOption(args) });
    const { model, tokenizer } = await loadCheckpoint(dirSource(str(args, 'model')));
    try {
      const t0 = performance.now();
      let last = 0;
      const report = await evaluateModel(model, tokenizer, samples, {
        maxNewTokens: num(args, 'max-new-tokens'), batchSize: num(args, 'batch-size'), callBias: num(args, 'call-bias'),
        onProgress: (done, total) => {
          if (performance.now() - last > 10000 || done === total) {
            last = performance.now();
            console.log(`eval: ${done}/${total} turns`);
          }
        },
      });
      const o = report.overall;
      console.log(`${describeBackend(backend)}: ${samples.length} samples, ${o.turns} turns in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `error rate ${(100 * errorRate(report)).toFixed(1)}%, exact match ${(100 * o.exactMatch).toFixed(1)}%, mean ESM ${o.meanEsm.toFixed(3)}`);
      const dir = dirname(resolve(out));
      // the greedy report first, so a failed or interrupted pass@k loses nothing of it
      writeFiles(dir, { [basename(out)]: JSON.stringify(report, null, 2) + '\n', [basename(mdPath)]: reportToMarkdown(report) });
      if (k > 0) {
        const t1 = performance.now();
        last = 0;
        const measured = await passAtK(model, tokenizer, samples, {
          k, temperature: num(args, 'temperature'), maxNewTokens: num(args, 'max-new-tokens'), seed: num(args, 'seed'),
          onProgress: (done, total) => {
            if (performance.now() - last > 10000 || done === total) {
              last = performance.now();
              console.log(`pass@${k}: ${done}/${total} turns`);
            }
          },
        });
        const row = headroomRow(measured, report);
        const section = row ? '\n' + headroomLines({ [basename(resolve(str(args, 'model')))]: row }, k, measured.temperature).join('\n') : '';
        writeFiles(dir, { [basename(passPath)]: JSON.stringify({ ...measured, seed: num(args, 'seed'), headroom: row }, null, 2) + '\n', [basename(mdPath)]: reportToMarkdown(report) + section });
        console.log(`pass@${k} (T=${measured.temperature}) ${(100 * measured.passAtK).toFixed(1)}% over ${measured.turns} turns in ${((performance.now() - t1) / 1000).toFixed(1)} s` +
          (row ? `; ${row.reachable} of the ${row.greedyWrong} turns greedy gets wrong have an exact sample` : ''));
      }
      return 0;
    } finally {
      disposeModel(model);
    }
  },
};
