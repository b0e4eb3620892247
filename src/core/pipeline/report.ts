// The pipeline's proof: SFT vs SFT + sequence-level DPO vs SFT + TTPA (and the optional NLL control) on the
// held-out test set, per error category, with pair statistics, training curves (SVG) and the goal check; plus a
// multi-seed aggregate.
// Plain data in, plain data and strings out; it never decides what a number should be.
import { ERROR_CATEGORIES } from '../scoring/errors.ts';
import type { EvalReport } from '../scoring/evaluate.ts';
import { compareReports, type ComparisonRow } from '../scoring/report.ts';
import type { PairStats } from '../preference/stats.ts';
import type { DpoStepMetrics } from '../train/dpo.ts';
import { ema, lineChartSvg } from './svg_chart.ts';

export const MODEL_NAMES = { sft: 'SFT', sequence: 'SFT + sequence DPO', token: 'SFT + TTPA', control: 'SFT + NLL on TTPA chosen (control)' } as const;
type Arm = keyof typeof MODEL_NAMES;
/** The arms every report has; `control` is there only when the pipeline ran it. */
type MainArm = Exclude<Arm, 'control'>;
type Arms<T> = Record<MainArm, T> & { control?: T };
const ARMS: readonly Arm[] = ['sft', 'sequence', 'token', 'control'];
/** The arms present in `x`, in report order. */
const armsIn = (x: Partial<Record<Arm, unknown>>): Arm[] => ARMS.filter((a) => x[a] !== undefined);

export interface ArmResult {
  errorRate: number;
  exactMatch: number;
  meanEsm: number;
  turns: number;
  /** Share of turns with each error category. */
  errorRates: Record<string, number>;
}

/** The goal of the demo (README): TTPA cuts the SFT error rate by >= 30% relative, raises ESM, beats sequence DPO. */
export interface GoalCheck {
  relativeErrorReduction: number;
  esmGain: number;
  beatsSequence: boolean;
  met: boolean;
}

export interface PipelineReport {
  preset: string;
  seed: number;
  /** Sum of the stages' run times (as recorded when each ran): the cost of a fresh run. */
  wallMs: number;
  stages: { stage: string; elapsedMs: number; skipped: boolean }[];
  arms: Arms<ArmResult>;
  goal: GoalCheck;
  comparison: ComparisonRow[];
  pairs: { token: PairStats; sequence: PairStats; trainedOn: TrainedOn };
  dpoFinal: { token: DpoStepMetrics | null; sequence: DpoStepMetrics | null; control?: DpoStepMetrics | null };
  config: unknown;
}

export interface ReportInputs {
  preset: string;
  seed: number;
  wallMs: number;
  stages: PipelineReport['stages'];
  evals: Arms<EvalReport>;
  pairs: { token: PairStats; sequence: PairStats };
  trainedOn: TrainedOn;
  curves: { token: DpoStepMetrics[]; sequence: DpoStepMetrics[]; control?: DpoStepMetrics[] };
  config: unknown;
}

/** Pairs each DPO run trained on (the control's are TTPA's). */
export interface TrainedOn {
  token: number;
  sequence: number;
  control?: number;
}

const arm = (r: EvalReport): ArmResult => ({
  errorRate: 1 - r.overall.exactMatch, exactMatch: r.overall.exactMatch, meanEsm: r.overall.meanEsm, turns: r.overall.turns,
  errorRates: { ...r.overall.errorRates },
});

export function goalCheck(sft: ArmResult, seq: ArmResult, ttpa: ArmResult): GoalCheck {
  const relativeErrorReduction = sft.errorRate > 0 ? (sft.errorRate - ttpa.errorRate) / sft.errorRate : 0;
  const esmGain = ttpa.meanEsm - sft.meanEsm;
  const beatsSequence = ttpa.errorRate < seq.errorRate;
  return { relativeErrorReduction, esmGain, beatsSequence, met: relativeErrorReduction >= 0.3 && esmGain > 0 && beatsSequence };
}

/** report.json's object, report.md's text and the SVG charts (file name -> content). */
export function buildPipelineReport(inp: ReportInputs): { report: PipelineReport; markdown: string; charts: Record<string, string> } {
  const arms: Arms<ArmResult> = { sft: arm(inp.evals.sft), sequence: arm(inp.evals.sequence), token: arm(inp.evals.token) };
  if (inp.evals.control) arms.control = arm(inp.evals.control);
  const cmp = compareReports(armsIn(inp.evals).map((a) => ({ name: MODEL_NAMES[a], report: inp.evals[a]! })));
  const report: PipelineReport = {
    preset: inp.preset, seed: inp.seed, wallMs: inp.wallMs, stages: inp.stages, arms,
    goal: goalCheck(arms.sft, arms.sequence, arms.token), comparison: cmp.rows,
    pairs: { ...inp.pairs, trainedOn: inp.trainedOn },
    dpoFinal: {
      token: inp.curves.token.at(-1) ?? null, sequence: inp.curves.sequence.at(-1) ?? null,
      ...(inp.curves.control ? { control: inp.curves.control.at(-1) ?? null } : {}),
    },
    config: inp.config,
  };
  const charts = trainingCharts(inp.curves);
  const md = [
    `# TTPA pipeline report: preset \`${inp.preset}\`, seed ${inp.seed}`, '',
    `Run time ${(inp.wallMs / 60000).toFixed(1)} min (sum of stage times). Test set: ${arms.sft.turns} assistant turns (teacher-forced history, greedy decoding).`, '',
    ...headline(arms), '', ...goalLines(report.goal), ...controlLines(arms), '',
    '## Error rates per category (share of turns with the error)', '', ...categoryTable(arms), '',
    '## Pairs', '', ...pairTable(report.pairs), '',
    '## Training curves', '', ...Object.keys(charts).map((f) => `![${f}](${f})`), '',
    '## Full comparison', '', cmp.markdown, '',
    '## Stages', '', '| stage | time | skipped |', '| --- | --- | --- |',
    ...inp.stages.map((s) => `| ${s.stage} | ${(s.elapsedMs / 1000).toFixed(1)} s | ${s.skipped ? 'yes' : 'no'} |`), '',
  ].join('\n');
  return { report, markdown: md, charts };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

function headline(arms: Arms<ArmResult>): string[] {
  const lines = ['| model | error rate (1 − exact match) | exact match | mean ESM |', '| --- | --- | --- | --- |'];
  for (const a of armsIn(arms)) {
    const x = arms[a]!;
    lines.push(`| ${MODEL_NAMES[a]} | ${pct(x.errorRate)} | ${pct(x.exactMatch)} | ${x.meanEsm.toFixed(3)} |`);
  }
  return lines;
}

function goalLines(g: GoalCheck): string[] {
  return [
    `Goal (TTPA cuts the SFT error rate by >= 30% relative, raises mean ESM, beats sequence-level DPO): **${g.met ? 'met' : 'not met'}**.`,
    `Relative error reduction ${pct(g.relativeErrorReduction)}; ESM change ${g.esmGain >= 0 ? '+' : ''}${g.esmGain.toFixed(3)}; TTPA ${g.beatsSequence ? 'beats' : 'does not beat'} sequence-level DPO.`,
  ];
}

/** What TTPA's preference term adds over the supervised text of its pairs (only when the control ran). */
function controlLines(arms: Arms<ArmResult>): string[] {
  const c = arms.control;
  if (!c) return [];
  const d = c.errorRate - arms.token.errorRate;
  // The gap in turns too, so a one-turn difference is not read as an effect.
  const gap = (v: number): string => `${(100 * v).toFixed(1)} pt (${Math.round(v * arms.token.turns)} of ${arms.token.turns} turns)`;
  const verdict = d > 0 ? `TTPA's error is ${gap(d)} lower` : d < 0 ? `TTPA's error is ${gap(-d)} higher` : 'TTPA ties it';
  return [`Control (TTPA's pairs, the chosen side's NLL alone: what the preference term adds is the gap): error ${pct(c.errorRate)}, ESM ${c.meanEsm.toFixed(3)}; ${verdict}.`];
}

function categoryTable(arms: Arms<ArmResult>): string[] {
  const present = armsIn(arms);
  const lines = [`| category | ${present.map((a) => MODEL_NAMES[a]).join(' | ')} |`, `| --- |${' --- |'.repeat(present.length)}`];
  for (const c of ERROR_CATEGORIES) lines.push(`| ${c} | ${present.map((a) => pct(arms[a]!.errorRates[c] ?? 0)).join(' | ')} |`);
  return lines;
}

function pairTable(p: PipelineReport['pairs']): string[] {
  const rows: [string, (s: PairStats) => string][] = [
    ['prompts (tool-call turns)', (s) => String(s.prompts)],
    ['pairs built', (s) => String(s.pairs)],
    ['pairs per prompt', (s) => s.pairsPerPrompt.toFixed(2)],
    ['prompts with no pair', (s) => pct(s.noPairShare)],
    ['divergences (name/key/value/format)', (s) => `${s.divergences} (${s.divergencesBySpan.name}/${s.divergencesBySpan.key}/${s.divergencesBySpan.value}/${s.divergencesBySpan.format})`],
    ['ESM margin mean (min–max)', (s) => `${s.margin.mean.toFixed(3)} (${s.margin.min.toFixed(2)}–${s.margin.max.toFixed(2)})`],
    ['mean base ESM', (s) => s.meanBaseEsm.toFixed(3)],
    ['sampling time', (s) => `${(s.elapsedMs / 1000).toFixed(1)} s`],
  ];
  return [
    '| | token level (TTPA) | sequence level |', '| --- | --- | --- |',
    ...rows.map(([name, f]) => `| ${name} | ${f(p.token)} | ${f(p.sequence)} |`),
    `| pairs trained on | ${p.trainedOn.token} | ${p.trainedOn.sequence} |`,
    ...(p.trainedOn.control !== undefined ? [`| pairs trained on by the control | ${p.trainedOn.control} | |`] : []),
  ];
}

const CURVE_NAMES = { token: 'TTPA (token pairs)', sequence: 'sequence pairs', control: 'control (NLL only)' } as const;

function trainingCharts(curves: ReportInputs['curves']): Record<string, string> {
  // The control's loss is an NLL, not a preference loss: it is left out of the loss chart only.
  const series = (key: keyof DpoStepMetrics, smooth: boolean, runs = (['token', 'sequence', 'control'] as const).filter((m) => curves[m])) => runs.map((m) => {
    const pts = curves[m]!.map((x) => [x.step, x[key] as number] as [number, number]);
    return { name: CURVE_NAMES[m], points: smooth ? ema(pts) : pts };
  });
  return {
    'curve_loss.svg': lineChartSvg(series('loss', true, ['token', 'sequence']), { title: 'DPO loss (EMA)', xLabel: 'step', yLabel: 'loss' }),
    'curve_margins.svg': lineChartSvg(series('rewards/margins', true), { title: 'rewards/margins (EMA)', xLabel: 'step', yLabel: 'β · log-ratio margin' }),
    'curve_accuracy.svg': lineChartSvg(series('rewards/accuracies', true), { title: 'rewards/accuracies (EMA)', xLabel: 'step', yLabel: 'share of pairs' }),
    'curve_kl.svg': lineChartSvg(series('kl', false), { title: 'KL estimate to the reference', xLabel: 'step', yLabel: 'per-token k3' }),
  };
}

export interface AggregateReport {
  preset: string;
  seeds: number[];
  perSeed: { seed: number; arms: Arms<ArmResult>; goal: GoalCheck; wallMs: number }[];
  mean: Arms<{ errorRate: number; meanEsm: number }>;
  goalMetAllSeeds: boolean;
}

/** Several seeds' reports side by side, with means; the goal must hold on every seed. */
export function aggregateReports(preset: string, reports: PipelineReport[]): { report: AggregateReport; markdown: string } {
  const mean = (f: (r: PipelineReport) => number): number => reports.reduce((s, r) => s + f(r), 0) / reports.length;
  // The control column only when every seed ran it.
  const withControl = reports.every((r) => r.arms.control);
  const armsMean = Object.fromEntries(ARMS.filter((a) => a !== 'control' || withControl).map((a) => [a, {
    errorRate: mean((r) => r.arms[a]!.errorRate), meanEsm: mean((r) => r.arms[a]!.meanEsm),
  }])) as AggregateReport['mean'];
  const ctl = (a: { control?: { errorRate: number } }): string => (withControl ? ` ${pct(a.control!.errorRate)} |` : '');
  const report: AggregateReport = {
    preset, seeds: reports.map((r) => r.seed),
    perSeed: reports.map((r) => ({ seed: r.seed, arms: r.arms, goal: r.goal, wallMs: r.wallMs })),
    mean: armsMean, goalMetAllSeeds: reports.every((r) => r.goal.met),
  };
  const lines = [
    `# TTPA pipeline: preset \`${preset}\`, seeds ${report.seeds.join(', ')}`, '',
    `| seed | SFT error | seq-DPO error | TTPA error |${withControl ? ' control error |' : ''} SFT ESM | seq-DPO ESM | TTPA ESM | rel. reduction | beats seq | goal | run time |`,
    `| --- | --- | --- | --- |${withControl ? ' --- |' : ''} --- | --- | --- | --- | --- | --- | --- |`,
    ...report.perSeed.map((s) => `| ${s.seed} | ${pct(s.arms.sft.errorRate)} | ${pct(s.arms.sequence.errorRate)} | ${pct(s.arms.token.errorRate)} |${ctl(s.arms)} ${s.arms.sft.meanEsm.toFixed(3)} | ${s.arms.sequence.meanEsm.toFixed(3)} | ${s.arms.token.meanEsm.toFixed(3)} | ${pct(s.goal.relativeErrorReduction)} | ${s.goal.beatsSequence ? 'yes' : 'no'} | ${s.goal.met ? 'met' : 'not met'} | ${(s.wallMs / 60000).toFixed(1)} min |`),
    `| mean | ${pct(armsMean.sft.errorRate)} | ${pct(armsMean.sequence.errorRate)} | ${pct(armsMean.token.errorRate)} |${ctl(armsMean)} ${armsMean.sft.meanEsm.toFixed(3)} | ${armsMean.sequence.meanEsm.toFixed(3)} | ${armsMean.token.meanEsm.toFixed(3)} | | | | |`,
    '', `Goal met on every seed: **${report.goalMetAllSeeds ? 'yes' : 'no'}**. Per-seed reports: ${report.seeds.map((s) => `[seed ${s}](seed-${s}/report.md)`).join(', ')}.`, '',
  ];
  return { report, markdown: lines.join('\n') };
}
