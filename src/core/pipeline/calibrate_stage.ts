// One model read at a call-or-answer threshold set on validation (loop.calibrate): every turn of the validation
// set (the validation split plus the train samples no loop round drew) and of the test set is decoded greedily
// with its first-step margin recorded, the turns near the threshold also the other way (call_decision.ts); the
// bias with the lowest validation error is chosen (scoring/call_calibration.ts) and the test set is reported at it.
// Stored as `calibrate/<name>/`: calibration.json (the summary and every validation point), test_calibrated.json
// (the test report at the chosen bias, for pairing in the loop report) and its Markdown.
import type { Sample } from '../data/sample.ts';
import { disposeModel } from '../model/params.ts';
import { loadCheckpoint } from '../runtime/checkpoint.ts';
import { biasGrid, type BiasPoint } from '../scoring/call_calibration.ts';
import type { EvalReport } from '../scoring/evaluate.ts';
import { reportToMarkdown } from '../scoring/report.ts';
import { unusedTrainSamples } from './arm_round.ts';
import { calibrateDecision } from './call_decision.ts';
import type { ResolvedPipeline } from './config.ts';
import { runStage, type StageRecord } from './stage.ts';
import { hashes, readSamples, type PipelineEnv, type SftSource } from './stages.ts';
import type { RunStore } from './store.ts';

export interface CalibrationSummary {
  /** The bias chosen on validation (nats added to `<tool_call>`'s first-step log-prob). */
  bias: number;
  /** samples: validation split + unused train samples; flipsDecoded: turns decoded the other way too. */
  val: { samples: number; turns: number; flipsDecoded: number; greedy: BiasPoint; chosen: BiasPoint };
  test: { turns: number; flipsDecoded: number; greedy: BiasPoint; calibrated: BiasPoint };
}

/**
 * The samples the bias is chosen on: the validation split and the train samples past every loop round's draws, the
 * first loop.calibrateSamples of them when that is set.
 */
export function calibrationSamples(r: ResolvedPipeline, val: readonly Sample[], train: readonly Sample[]): Sample[] {
  const l = r.loop;
  const all = [...val, ...unusedTrainSamples(train, l.warmupSamples + l.rounds * l.promptsPerRound, r.config.seed)];
  return l.calibrateSamples > 0 ? all.slice(0, l.calibrateSamples) : all;
}

export function calibrateStage(env: PipelineEnv, r: ResolvedPipeline, name: string, model: SftSource, data: StageRecord): Promise<StageRecord<CalibrationSummary>> {
  const dir = `calibrate/${name}`;
  const l = r.loop;
  const e = r.config.eval;
  const config = {
    span: l.calibrateSpan, step: l.calibrateStep, maxNewTokens: e.maxNewTokens, batchSize: e.batchSize, testLimit: e.limit,
    // which train samples no round drew
    drawn: l.warmupSamples + l.rounds * l.promptsPerRound,
    ...(l.calibrateSamples > 0 ? { samples: l.calibrateSamples } : {}),
  };
  return runStage(env.store, dir, config, { ...hashes(data), ...model.inputs }, env.events, async () => {
    const grid = biasGrid(l.calibrateSpan, l.calibrateStep);
    const valSamples = calibrationSamples(r, await readSamples(env.store, 'val'), await readSamples(env.store, 'train'));
    const allTest = await readSamples(env.store, 'test');
    const testSamples = e.limit > 0 ? allTest.slice(0, e.limit) : allTest;
    const { model: m, tokenizer } = await loadCheckpoint(model.source);
    try {
      const cal = await calibrateDecision(m, tokenizer, valSamples, testSamples, {
        grid, maxNewTokens: e.maxNewTokens, batchSize: e.batchSize, span: l.calibrateSpan,
        onProgress: (what, done, total) => env.events.progress?.(`${dir} ${what}`, done, total),
      });
      const { points, ...val } = cal.val;
      const t = cal.test!;
      const summary: CalibrationSummary = {
        bias: val.chosen.bias,
        val: { samples: valSamples.length, ...val },
        test: { turns: t.turns, flipsDecoded: t.flipsDecoded, greedy: t.greedy, calibrated: t.calibrated },
      };
      await env.store.writeFiles(dir, {
        'calibration.json': JSON.stringify({ ...summary, valPoints: points }, null, 2) + '\n',
        'test_calibrated.json': JSON.stringify(t.calibratedReport) + '\n',
        'test_calibrated.md': reportToMarkdown(t.calibratedReport),
      });
      const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
      env.events.log?.(`${dir}: bias ${val.chosen.bias} (validation ${pct(val.greedy.errorRate)} -> ${pct(val.chosen.errorRate)} over ${val.turns} turns); test ${pct(t.greedy.errorRate)} -> ${pct(t.calibrated.errorRate)}`);
      return summary;
    } finally {
      disposeModel(m);
    }
  });
}

/** A model's calibration and its test report at the chosen bias; null when the run has none for it. */
export async function readCalibration(store: RunStore, name: string): Promise<{ summary: CalibrationSummary; test: EvalReport } | null> {
  const dir = `calibrate/${name}`;
  if (!store.has(`${dir}/calibration.json`) || !store.has(`${dir}/test_calibrated.json`)) return null;
  const { valPoints: _, ...summary } = JSON.parse(await store.readText(`${dir}/calibration.json`)) as CalibrationSummary & { valPoints: unknown };
  return { summary, test: JSON.parse(await store.readText(`${dir}/test_calibrated.json`)) as EvalReport };
}
