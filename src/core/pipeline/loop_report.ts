// The loop's proof for one seed: every arm's test error with a 95% bootstrap interval, TTPA against each arm and
// every arm against the starting model by the exact McNemar test on the same turns, pass@k headroom, per-round
// validation curves, per-category error rates, and the goal check; plus the multi-seed aggregate.
// Plain data in, plain data and strings out; it never decides what a number should be.
import { median } from '../bench/timing.ts';
import { ERROR_CATEGORIES } from '../scoring/errors.ts';
import type { EvalReport } from '../scoring/evaluate.ts';
import { atBaseMisses, pairedAtBaseMisses, type ModelAtMisses, type PairedAtMisses, type TurnLogps } from '../scoring/first_miss.ts';
import { bootstrapInterval, mcnemarExact, pairedByTurnKind, pairedLeadInterval, pairedOutcome, turnErrors, type LeadInterval, type PairedOutcome } from '../scoring/significance.ts';
import type { ResolvedPipeline } from './config.ts';
import type { ArmRun } from './loop.ts';
import { ARM_DESCRIPTIONS, ARM_NAMES, GOAL_RELATIVE_CUT, type ArmName } from './loop_config.ts';
import type { PassAtK } from './pass_at_k.ts';
import { headroomLines, headroomRow, pairedReach, poolHeadroom, type HeadroomRow } from './headroom_rows.ts';
import { lineChartSvg } from './svg_chart.ts';
import { anchorPerPair } from '../train/anchor.ts';
import type { CalibrationSummary } from './calibrate_stage.ts';
import { lossTerms } from '../train/dpo_config.ts';

/** Steps at the end of a round whose median the report gives: one step's k3 KL estimate can read thousands. */
export const TAIL_STEPS = 25;

/**
 * The median of each numeric metric over the last `n` steps that report it (fewer when the round had fewer), or
 * null for a round without steps. The report reads loss, KL and logps/chosen from here, not from the last step.
 */
export function tailMedians(metrics: readonly Record<string, number>[], n = TAIL_STEPS): Record<string, number> | null {
  const tail = metrics.slice(-n);
  if (!tail.length) return null;
  const keys = [...new Set(tail.flatMap((m) => Object.keys(m)))];
  const out: Record<string, number> = {};
  for (const k of keys) {
    const xs = tail.map((m) => m[k]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    if (xs.length) out[k] = median(xs);
  }
  return out;
}

/** Significance level of every claim in the report. */
export const ALPHA = 0.05;

export interface LoopArmResult {
  errorRate: number;
  /** 95% percentile-bootstrap interval of the error rate. */
  ci: [number, number];
  exactMatch: number;
  meanEsm: number;
  turns: number;
  errorRates: Record<string, number>;
  /** Against the starting model on the same turns: aWins = turns this arm fixed, bWins = turns it broke. */
  vsStart: PairedOutcome;
  /**
   * items: pairs or targets built; kept: pairs dpo.pairFilter kept (DPO arms); chosenTruth / chosenExact: kept pairs
   * whose chosen side is the ground truth / an exact call (absent in older reports); anchorPerPair: the SFT anchor's
   * samples each pair (or target) brought to its micro-batch (train/anchor.ts; absent without an anchor).
   */
  rounds: { round: number; items: number; kept?: number; chosenTruth?: number; chosenExact?: number; anchorPerPair?: number; steps: number; valErrorRate: number; valTurns: number; loss: number | null; kl: number | null; logpsChosen: number | null;
    /** Set when loss, kl and logpsChosen are medians over the round's last tailSteps steps (else: its last step). */
    tailSteps?: number; reusedPairs?: string }[];
  selectedRound: number;
}

export interface LoopReport {
  kind: 'loop';
  preset: string;
  seed: number;
  /** Sum of the stages' run times as recorded when each ran (a fresh run's cost, arms one after another). */
  wallMs: number;
  stages: { stage: string; elapsedMs: number; skipped: boolean }[];
  budget: string;
  start: Omit<LoopArmResult, 'vsStart' | 'rounds' | 'selectedRound'> & { valErrorRate: number; valTurns: number };
  /** The shared warm-up round's model (loop.warmupSamples > 0), every arm's origin; null without one. */
  warmup: (Omit<LoopArmResult, 'rounds' | 'selectedRound'> & { valErrorRate: number; valTurns: number }) | null;
  /** pass@k of the starting model, with its greedy exact-match rate on the turns of the same samples. */
  headroom: (PassAtK & { greedyOnSameSamples: number | null }) | null;
  arms: Partial<Record<ArmName, LoopArmResult>>;
  /** TTPA (a) against each other arm (b) on the same turns. */
  ttpaVs: Partial<Record<ArmName, PairedOutcome>>;
  /**
   * The same tests on the call turns and on the text turns apart: the pairs train only calls, and text turns can
   * move with the seed on their own (fresh-calls seeds 1-2: 10 / 49 and 40 / 11 on text turns). Absent in older reports.
   */
  ttpaVsByTurn?: Partial<Record<ArmName, { call: PairedOutcome; text: PairedOutcome;
    /** The call turns where both call (neither answers in plain text): the calls themselves. Absent in older reports. */
    bothCall?: PairedOutcome }>>;
  /**
   * The test call turns at the token level (first_miss_stage.ts): each arm at the origin model's first wrong tokens
   * (`base`: 'warmup' or 'sft'), and TTPA against each arm there. Absent in older reports.
   */
  firstMiss?: { base: string; models: Record<string, ModelAtMisses>; ttpaVs: Partial<Record<ArmName, PairedAtMisses>> };
  /**
   * With loop.calibrate: each model (the origin, `base`, and every arm) at the call-or-answer bias chosen on validation,
   * its test error there with an interval and against its own greedy reading (vsGreedy: a = at the bias), and TTPA
   * against each arm with each at its own bias, on the same turns. Absent otherwise and in older reports.
   */
  calibrated?: {
    base: string;
    models: Record<string, CalibrationSummary & { ci: [number, number]; vsGreedy: PairedOutcome }>;
    ttpaVs: Partial<Record<ArmName, PairedOutcome>>;
    ttpaVsByTurn: Partial<Record<ArmName, { call: PairedOutcome; text: PairedOutcome; bothCall: PairedOutcome }>>;
  };
  /**
   * beatsEveryArm: against the arms this run has; armsNotRun: the comparison arms it lacks (the goal needs all four,
   * so it is not met without them; absent in older reports).
   */
  goal: { relativeErrorReduction: number; target: number; beatsEveryArm: boolean; armsNotRun?: ArmName[]; met: boolean };
  /**
   * With loop.passAtKAllModels: pass@k beside greedy on the headroom samples, per model ('start', the origin
   * 'warmup' when there is one, every arm); the start's row only where its record has per-turn counts. Absent otherwise.
   */
  headroomAfter?: {
    k: number; temperature: number; models: Record<string, HeadroomRow>;
    /**
     * pass@k of TTPA against each arm on the same turns: turns only TTPA's samples reach (an exact sample among k) /
     * only the arm's, exact McNemar. Absent in older reports.
     */
    ttpaVs?: Partial<Record<ArmName, PairedOutcome>>;
  };
  config: unknown;
}

export interface LoopReportInputs {
  preset: string;
  seed: number;
  config: ResolvedPipeline;
  stages: LoopReport['stages'];
  /**
   * The arms reported (default: every arm of config.loop.arms): a run of some arms (`--arms`) reports those, and
   * the goal lists the rest as not run.
   */
  arms?: readonly ArmName[];
  /** 'sft' (the starting model), 'warmup' (with a warm-up round) and every reported arm. */
  evals: Record<string, EvalReport>;
  runs: Partial<Record<ArmName, ArmRun>>;
  headroom: PassAtK | null;
  /** The starting model on the validation samples every round is evaluated on. */
  startVal: { errorRate: number; turns: number };
  /** The warm-up round's model on the same validation samples, with a warm-up round. */
  warmupVal?: { errorRate: number; turns: number };
  /** Test call turns at the token level: the origin model's ('warmup' or 'sft') and every arm's. */
  firstMiss?: { base: string; turns: Record<string, TurnLogps[]> };
  /** With loop.calibrate: the origin's ('warmup' or 'sft') and every arm's calibration and test report at its bias. */
  calibration?: { base: string; models: Record<string, { summary: CalibrationSummary; test: EvalReport }> };
  /** With loop.passAtKAllModels: pass@k of the origin ('warmup', with a warm-up round) and of every reported arm. */
  headroomAfter?: Record<string, PassAtK>;
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
/** A round's closing metrics: medians of its last steps where its metrics file was read, else its last step. */
const endOfRound = (final: Record<string, number> | null, tail: Record<string, number> | null) => {
  const m = tail ?? final;
  return { loss: m?.loss ?? null, kl: m?.kl ?? null, logpsChosen: m?.['logps/chosen'] ?? null, ...(tail ? { tailSteps: TAIL_STEPS } : {}) };
};
const ci = (r: EvalReport, seed: number): [number, number] => {
  const b = bootstrapInterval(turnErrors(r), { seed });
  return [b.lo, b.hi];
};
const base = (r: EvalReport, seed: number) => ({
  errorRate: 1 - r.overall.exactMatch, ci: ci(r, seed), exactMatch: r.overall.exactMatch, meanEsm: r.overall.meanEsm,
  turns: r.overall.turns, errorRates: { ...r.overall.errorRates },
});

/** What every arm gets, in words, from the resolved config. */
export function budgetLine(r: ResolvedPipeline): string {
  const l = r.loop;
  const d = r.dpo;
  const warm = l.warmupSamples > 0 ? `a shared warm-up round first (the starting model continues SFT on the ground truth of ${l.warmupSamples} train samples, ${r.sft.steps} steps of ${r.sft.batchSize * r.sft.gradAccumSteps} at lr ${r.sft.lr}; every arm starts from it), then ` : '';
  const rft = !l.arms.includes('rft') ? '' : l.rftAnchor ? ', RFT trains it beside its targets (loop.rftAnchor)' : ', RFT trains without it';
  const dose = d.anchorPerPair > 0 ? `, ${d.anchorPerPair} anchor sample(s) with each pair or target (dpo.anchorPerPair)`
    : ", with each pair or target ceil(samples / pairs) anchor samples (dpo.anchorPerPair auto: fewer pairs bring more each; the per-round table gives the dose, 'anchor ×k')";
  const anchor = d.anchorWeight > 0 ? `DPO arms add the SFT anchor (the ground truth of the round's samples, weight ${d.anchorWeight}${dose})${l.arms.includes('sft-continued') ? ', continued SFT is that anchor alone (every preference term weighted 0)' : ''}${rft}; ` : '';
  const preference = lossTerms(d).filter((t) => t.type !== 'sft').map((t) => t.weight);
  const control = r.dpoControl && l.arms.includes('control')
    ? `the control trains the pairs' chosen side's NLL at weight ${r.dpoControl.rpoAlpha}${r.config.controlWeight === null ? '' : ' (controlWeight)'} in place of the preference term${preference.length ? ` (weight ${preference.join(' + ')})` : ''}; `
    : '';
  return `${warm}${l.rounds} round(s); each round every arm decodes the same ${l.promptsPerRound} fresh train samples with its own current policy ` +
    `and takes ${d.steps} optimizer steps of ${d.batchSize * d.gradAccumSteps} items (pairs for DPO arms, turns for SFT arms) at lr ${d.lr}; ` +
    (d.pairFilter === 'all' ? '' : `DPO arms train on the pairs the ${d.pairFilter} filter keeps; `) +
    (d.pairWarmupSteps > 0 ? `the pairs' loss ramps in over each round's first ${d.pairWarmupSteps} steps (dpo.pairWarmupSteps; the anchor is never ramped); ` : '') + control + anchor +
    `DPO reference: ${l.reference === 'round' ? "the round's starting policy" : 'the starting model'}; final model: ${l.select === 'last' ? 'the last round' : 'the round with the lowest validation error'}.`;
}

export function buildLoopReport(inp: LoopReportInputs): { report: LoopReport; markdown: string; charts: Record<string, string> } {
  const start = inp.evals.sft;
  const armNames = inp.arms ?? inp.config.loop.arms;
  if (!armNames.includes('ttpa')) throw new Error(`buildLoopReport: the report compares TTPA with the other arms; arms ${armNames.join(', ')} lack it`);
  const arms: Partial<Record<ArmName, LoopArmResult>> = {};
  const d = inp.config.dpo;
  for (const a of armNames) {
    const run = inp.runs[a];
    if (!run) throw new Error(`buildLoopReport: no rounds for arm ${a}`);
    // Each arm's interval seed follows its place in the preset, so a report of some arms matches the full one.
    const i = inp.config.loop.arms.indexOf(a);
    // The anchor is the round's samples (arm_round.ts); RFT carries it only with loop.rftAnchor.
    const anchored = d.anchorWeight > 0 && (a !== 'rft' || inp.config.loop.rftAnchor);
    arms[a] = {
      ...base(inp.evals[a], inp.seed + i + 1), vsStart: pairedOutcome(inp.evals[a], start), selectedRound: run.selectedRound,
      rounds: run.rounds.map((x, k) => ({
        round: x.summary.round, items: x.summary.items, ...(x.summary.filtered ? { kept: x.summary.filtered.kept } : {}),
        ...(anchored && x.summary.prompts > 0 && (x.summary.filtered?.kept ?? x.summary.items) > 0
          ? { anchorPerPair: anchorPerPair(x.summary.prompts, x.summary.filtered?.kept ?? x.summary.items, d.anchorPerPair) } : {}),
        ...(x.summary.filtered?.chosenTruth !== undefined ? { chosenTruth: x.summary.filtered.chosenTruth, chosenExact: x.summary.filtered.chosenExact } : {}), steps: x.summary.steps, valErrorRate: x.summary.val.errorRate, valTurns: x.summary.val.turns,
        ...endOfRound(x.summary.final, run.tails?.[k] ?? null),
        ...(x.summary.reusedPairs ? { reusedPairs: x.summary.reusedPairs } : {}),
      })),
    };
  }
  const ttpaVs: Partial<Record<ArmName, PairedOutcome>> = {};
  const ttpaVsByTurn: NonNullable<LoopReport['ttpaVsByTurn']> = {};
  for (const a of armNames) {
    if (a === 'ttpa') continue;
    ttpaVs[a] = pairedOutcome(inp.evals.ttpa, inp.evals[a]);
    ttpaVsByTurn[a] = pairedByTurnKind(inp.evals.ttpa, inp.evals[a]);
  }
  const startRes = { ...base(start, inp.seed), valErrorRate: inp.startVal.errorRate, valTurns: inp.startVal.turns };
  const w = inp.evals.warmup;
  const warmup = w && inp.warmupVal ? { ...base(w, inp.seed + 101), vsStart: pairedOutcome(w, start), valErrorRate: inp.warmupVal.errorRate, valTurns: inp.warmupVal.turns } : null;
  const ttpa = arms.ttpa!;
  const rel = startRes.errorRate > 0 ? (startRes.errorRate - ttpa.errorRate) / startRes.errorRate : 0;
  const beatsEveryArm = Object.values(ttpaVs).every((o) => o!.aWins > o!.bWins && o!.p < ALPHA);
  const armsNotRun = ARM_NAMES.filter((a) => a !== 'ttpa' && !armNames.includes(a));
  const report: LoopReport = {
    kind: 'loop', preset: inp.preset, seed: inp.seed, wallMs: inp.stages.reduce((s, x) => s + x.elapsedMs, 0), stages: inp.stages,
    budget: budgetLine(inp.config), start: startRes, warmup, headroom: inp.headroom && { ...inp.headroom, greedyOnSameSamples: greedyOn(start, inp.headroom.sampleIds) }, arms, ttpaVs, ttpaVsByTurn,
    ...(inp.firstMiss ? { firstMiss: firstMissResults(inp.firstMiss, armNames) } : {}),
    ...(inp.calibration ? { calibrated: calibratedResults(inp, armNames) } : {}),
    ...(inp.headroomAfter ? { headroomAfter: headroomResults(inp, armNames) } : {}),
    goal: { relativeErrorReduction: rel, target: GOAL_RELATIVE_CUT, beatsEveryArm, armsNotRun, met: rel >= GOAL_RELATIVE_CUT && beatsEveryArm && armsNotRun.length === 0 && ttpa.vsStart.p < ALPHA },
    config: inp.config,
  };
  const charts = { 'curve_val_error.svg': valChart(report) };
  return { report, markdown: loopMarkdown(report, Object.keys(charts)), charts };
}

/** The line under the headroom table: does the preference term change what a model can sample? */
function reachLines(k: number, ttpaVs: Partial<Record<ArmName, PairedOutcome>> | undefined): string[] {
  const arms = Object.keys(ttpaVs ?? {}) as ArmName[];
  if (!arms.length) return [];
  return [`pass@${k} of TTPA against each arm on the same turns (turns only TTPA's samples reach / only the arm's): ${arms.map((a) => `${a} ${sig(ttpaVs![a]!)}`).join('; ')}.`, ''];
}

/** Each measured model's pass@k beside its greedy reading, start first (when its record pairs), then the origin and the arms. */
function headroomResults(inp: LoopReportInputs, armNames: readonly ArmName[]): NonNullable<LoopReport['headroomAfter']> {
  const models: Record<string, HeadroomRow> = {};
  const add = (name: string, h: PassAtK | null | undefined, report: EvalReport | undefined): void => {
    const row = h && report ? headroomRow(h, report) : null;
    if (row) models[name] = row;
  };
  add('start', inp.headroom, inp.evals.sft);
  for (const name of ['warmup', ...armNames]) add(name, inp.headroomAfter?.[name], inp.evals[name]);
  const ttpaVs: Partial<Record<ArmName, PairedOutcome>> = {};
  const ttpa = inp.headroomAfter?.ttpa;
  for (const a of armNames.filter((x) => x !== 'ttpa')) {
    const other = inp.headroomAfter?.[a];
    const r = ttpa && other ? pairedReach(other, ttpa) : null;
    if (r) ttpaVs[a] = { turns: ttpa!.perTurn!.length, aWins: r.gained, bWins: r.lost, p: r.p };
  }
  return { k: inp.config.loop.passAtK, temperature: inp.config.loop.passAtKTemperature, models, ...(Object.keys(ttpaVs).length ? { ttpaVs } : {}) };
}

/** Exact-match rate of a report's turns that belong to `ids` (null when none do or the ids are unknown). */
function greedyOn(r: EvalReport, ids: string[] | undefined): number | null {
  if (!ids) return null;
  const set = new Set(ids);
  const turns = r.turns.filter((t) => set.has(t.sampleId));
  return turns.length ? turns.filter((t) => t.exact).length / turns.length : null;
}

function valChart(r: LoopReport): string {
  const origin = (r.warmup ?? r.start).valErrorRate;
  const series = Object.entries(r.arms).map(([a, x]) => ({ name: a, points: [[0, 100 * origin] as [number, number], ...x!.rounds.map((q) => [q.round, 100 * q.valErrorRate] as [number, number])] }));
  return lineChartSvg(series, { title: 'validation error rate after each round', xLabel: 'round', yLabel: 'error rate (%)' });
}

const interval = (x: { errorRate: number; ci: [number, number] }): string => `${pct(x.errorRate)} [${pct(x.ci[0])}, ${pct(x.ci[1])}]`;
/** "p = 0.011", "p = 3.0e-11"; "p < 1e-300" where the exact test's p underflows a double (pooled seeds: 0). */
const pValue = (p: number): string => (p < 1e-300 ? 'p < 1e-300' : `p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`);
/** "0.6 pt [0.0, 1.2]": a lead in error-rate points with its interval. */
const points = (v: number): string => (100 * v).toFixed(1).replace(/^-0\.0$/, '0.0');
const leadText = (x: LeadInterval): string => `${points(x.lead)} pt [${points(x.lo)}, ${points(x.hi)}]`;
const sig = (o: PairedOutcome): string => `${o.aWins} / ${o.bWins}, ${pValue(o.p)}`;
/** "beats every arm: yes", and the comparison arms the run lacks, without which the goal cannot be met. */
const goalArms = (g: LoopReport['goal']): string => {
  const missing = g.armsNotRun ?? [];
  if (missing.length === ARM_NAMES.length - 1) return `no arm beside TTPA run (the goal needs TTPA to beat each of ${missing.join(', ')})`;
  const beats = `beats every arm${missing.length ? ' run' : ''}: ${g.beatsEveryArm ? 'yes' : 'no'}`;
  return missing.length ? `${beats}; not run: ${missing.join(', ')} (the goal needs TTPA to beat each of them)` : beats;
};

/** How to read the both-call column (per run and pooled). */
const BOTH_CALL_NOTE = "Where both call: the call turns where neither model answers in plain text, so a lead there is in the calls themselves (names, keys, values). A call turn answered in text is a missed call (no_call below); a text turn answered with a call is a spurious one (irrelevance). Pairs that choose a refusal over a spurious call move a model between those two errors (on fresh-calls-full's round-1 replay, seed 3, validation: TTPA's round-1 model 51 spurious and 60 missed calls against the anchor alone's 88 and 23, and level where both call, 75 / 85 turns).";

function loopMarkdown(r: LoopReport, charts: string[]): string {
  const names = Object.keys(r.arms) as ArmName[];
  const verdict = (a: ArmName): string => {
    const o = r.ttpaVs[a]!;
    if (o.p >= ALPHA) return 'no significant difference';
    return o.aWins > o.bWins ? '**TTPA better**' : `**${a} better**`;
  };
  const best = names.reduce((b, a) => (r.arms[a]!.errorRate < r.arms[b]!.errorRate ? a : b), names[0]);
  const others = names.filter((a) => a !== 'ttpa');
  const bothCall = others.some((a) => r.ttpaVsByTurn?.[a]?.bothCall);
  const h = r.headroom;
  return [
    `# TTPA update loop: preset \`${r.preset}\`, seed ${r.seed}`, '',
    `Run time ${(r.wallMs / 60000).toFixed(1)} min (sum of stage times). Test set: ${r.start.turns} assistant turns (teacher-forced history, greedy decoding); intervals are 95% bootstrap intervals, p-values exact McNemar tests on the same turns (wins / losses counts only turns where exactly one side is right).`, '',
    `Budget: ${r.budget}`, '',
    h ? `Headroom: the starting model's pass@${h.k} (T=${h.temperature}) is ${pct(h.passAtK)} on ${h.turns} test turns (pass@1 at that temperature ${pct(h.passAt1)}; greedy ${h.greedyOnSameSamples === null ? `${pct(1 - r.start.errorRate)} on all ${r.start.turns} test turns` : `${pct(h.greedyOnSameSamples)} on the same samples`}).` : 'Headroom: pass@k not measured (loop.passAtK 0).', '',
    '| model | error rate [95% CI] | mean ESM | vs start: fixed / broke, p | final model: round |', '| --- | --- | --- | --- | --- |',
    `| start (SFT) | ${interval(r.start)} | ${r.start.meanEsm.toFixed(3)} | | |`,
    ...(r.warmup ? [`| warm-up round (shared) | ${interval(r.warmup)} | ${r.warmup.meanEsm.toFixed(3)} | ${sig(r.warmup.vsStart)} | |`] : []),
    ...names.map((a) => { const x = r.arms[a]!; return `| ${a} | ${interval(x)} | ${x.meanEsm.toFixed(3)} | ${sig(x.vsStart)} | ${x.selectedRound} |`; }), '',
    '## TTPA against each arm (same turns)', '',
    ...(others.length === 0 ? ['No other arm in this run (`loop.arms`, or `--arms`): nothing to compare TTPA with.', ''] : [
      `| arm | TTPA wins / arm wins, p | verdict | on call turns | on text turns |${bothCall ? ' on call turns where both call |' : ''}`, `| --- | --- | --- | --- | --- |${bothCall ? ' --- |' : ''}`,
      ...others.map((a) => { const k = r.ttpaVsByTurn?.[a]; return `| ${a} | ${sig(r.ttpaVs[a]!)} | ${verdict(a)} | ${k ? `${k.call.turns} turns: ${sig(k.call)}` : '-'} | ${k ? `${k.text.turns} turns: ${sig(k.text)}` : '-'} |${bothCall ? ` ${k?.bothCall ? `${k.bothCall.turns} turns: ${sig(k.bothCall)}` : '-'} |` : ''}`; }), '',
      'Call turns are those where the ground truth calls a tool; most pairs come from them. Text turns (answers, refusals) give pairs too when `pairs.token.includeTextTurns` is on (the default): a tool called where the answer was text, the text chosen over the call (about 2% of the fresh-calls-full pairs, nearly all refusals of a request no tool fits). Text turns also move with the seed on their own, so read a verdict with both columns.', '',
      ...(bothCall ? [BOTH_CALL_NOTE, ''] : [])]),
    `Lowest test error: **${best}** (${pct(r.arms[best]!.errorRate)}).`,
    `Goal (TTPA cuts the starting error by >= ${pct(r.goal.target)} relative and beats every arm with p < ${ALPHA}): **${r.goal.met ? 'met' : 'not met'}**; relative change ${pct(r.goal.relativeErrorReduction)}; ${goalArms(r.goal)}.`, '',
    ...(r.headroomAfter ? [...headroomLines(r.headroomAfter.models, r.headroomAfter.k, r.headroomAfter.temperature), ...reachLines(r.headroomAfter.k, r.headroomAfter.ttpaVs)] : []),
    ...calibratedLines(r, names),
    ...firstMissLines(r, names),
    '## Arms', '', ...names.map((a) => `- \`${a}\`: ${ARM_DESCRIPTIONS[a]}. Final model: \`${a}/\` (HF layout).`), '',
    '## Validation error after each round', '', ...charts.map((f) => `![${f}](${f})`), '',
    r.warmup
      ? `Round 0 is the warm-up round's model: ${pct(r.warmup.valErrorRate)} on ${r.warmup.valTurns} validation turns (the starting model: ${pct(r.start.valErrorRate)}).`
      : `Round 0 is the starting model: ${pct(r.start.valErrorRate)} on ${r.start.valTurns} validation turns.`, '',
    `| round | ${names.join(' | ')} |`, `| --- |${' --- |'.repeat(names.length)}`,
    ...r.arms.ttpa!.rounds.map((_, i) => `| ${i + 1} | ${names.map((a) => { const q = r.arms[a]!.rounds[i]; return `${pct(q.valErrorRate)} (${q.items} items${q.kept !== undefined && q.kept !== q.items ? `, ${q.kept} kept` : ''}${q.anchorPerPair !== undefined ? `, anchor ×${q.anchorPerPair}` : ''})`; }).join(' | ')} |`), '',
    ...(names.some((a) => r.arms[a]!.rounds.some((q) => q.anchorPerPair !== undefined)) ? ["anchor ×k: ground-truth anchor samples each pair (or RFT target) brought to its micro-batch. Arms at different k trained different amounts of SFT on the same samples: compare them knowing it (on fresh-calls-full's round-1 replay every pair set at k = 2 read 24.9-26.3% validation error, every one at k = 1 27.7-29.6%; EXPERIMENTS.md).", ''] : []),
    ...pairSidesLines(r.arms.ttpa!.rounds),
    '## Error rates per category (share of test turns with the error)', '',
    `| category | start | ${names.join(' | ')} |`, `| --- | --- |${' --- |'.repeat(names.length)}`,
    ...ERROR_CATEGORIES.map((c) => `| ${c} | ${pct(r.start.errorRates[c] ?? 0)} | ${names.map((a) => pct(r.arms[a]!.errorRates[c] ?? 0)).join(' | ')} |`), '',
    ...endOfRoundTitle(names.flatMap((a) => r.arms[a]!.rounds)),
    '| arm | round | loss | KL (k3) | logps/chosen |', '| --- | --- | --- | --- | --- |',
    ...names.flatMap((a) => r.arms[a]!.rounds.map((q) => `| ${a} | ${q.round} | ${q.loss?.toFixed(4) ?? '-'} | ${q.kl?.toFixed(4) ?? '-'} | ${q.logpsChosen?.toFixed(2) ?? '-'} |`)), '',
    '## Stages', '', '| stage | time | skipped |', '| --- | --- | --- |',
    ...r.stages.map((s) => `| ${s.stage} | ${(s.elapsedMs / 1000).toFixed(1)} s | ${s.skipped ? 'yes' : 'no'} |`), '',
    ...reusedPairsLines(r),
  ].join('\n');
}

/** The end-of-round table's title: medians of the last steps where every round has them, else the last step. */
function endOfRoundTitle(rounds: LoopArmResult['rounds']): string[] {
  const n = rounds.every((q) => q.tailSteps) ? rounds[0]?.tailSteps : undefined;
  return n
    ? [`## End of each round (median of its last ${n} steps)`, '', "A median, not the last step: one step's k3 estimate of the KL grows as the exponential of that step's drop in log-probability and can read thousands where its neighbours read 1.", '']
    : ['## Last training step of each round', ''];
}

/** The rounds that read pairs built elsewhere: their stage time (and the run time) leaves the build out. */
function reusedPairsLines(r: LoopReport): string[] {
  const reused = Object.entries(r.arms).flatMap(([a, arm]) => arm!.rounds.filter((q) => q.reusedPairs).map((q) => `loop/${a}/round-${q.round} (${q.reusedPairs})`));
  if (reused.length === 0) return [];
  return [`Pairs reused, not built, by ${reused.join(', ')}: built once for arms that share them, by \`--jobs\` before the arms, or before a restart; the stage times above leave that build out.`, ''];
}

export interface LoopAggregate {
  preset: string;
  seeds: number[];
  perSeed: { seed: number; start: number; warmup?: number; arms: Partial<Record<ArmName, number>>; ttpaVs: LoopReport['ttpaVs']; ttpaVsStart: PairedOutcome; goalMet: boolean; wallMs: number }[];
  /**
   * Every seed's discordant turns added up (the seeds' test sets are disjoint draws, so under the null each
   * discordant turn is still a fair coin): TTPA against the starting model and against each arm.
   */
  pooled: {
    turns: number; ttpaVsStart: PairedOutcome; ttpaVs: Partial<Record<ArmName, PairedOutcome>>; ttpaVsByTurn?: LoopReport['ttpaVsByTurn'];
    /**
     * At the origin's first wrong tokens (every seed's `firstMiss`), summed over seeds: `margin` counts the misses where
     * TTPA's / the arm's margin is higher, `fixed` those only TTPA / only the arm gets right (`turns`: the misses);
     * `newMiss`, when every seed counted them, the call turns where only TTPA / only the arm misses a token the origin
     * gets right (`turns`: the misses, as the other two).
     */
    ttpaVsAtFirstMiss?: Partial<Record<ArmName, { margin: PairedOutcome; fixed: PairedOutcome; newMiss?: PairedOutcome }>>;
    /**
     * TTPA's lead over each arm in error-rate points (a fraction; > 0: TTPA errs less), per seed and over every turn,
     * with 95% paired bootstrap intervals resampled inside each seed (computed from the discordant counts alone).
     */
    ttpaLead: Partial<Record<ArmName, { perSeed: LeadInterval[]; pooled: LeadInterval }>>;
    /**
     * When every seed's report has `calibrated` (loop.calibrate): TTPA against each arm with each model at its own
     * validation-chosen call-or-answer bias, summed over seeds, on all turns and by kind of turn.
     */
    calibrated?: { ttpaVs: Partial<Record<ArmName, PairedOutcome>>; ttpaVsByTurn: NonNullable<LoopReport['calibrated']>['ttpaVsByTurn'] };
    /** When every seed's report has `headroomAfter` (loop.passAtKAllModels): its rows added up over the seeds. */
    headroom?: NonNullable<LoopReport['headroomAfter']>;
  };
  goalMetAllSeeds: boolean;
}

function pool(outcomes: PairedOutcome[]): PairedOutcome {
  const aWins = outcomes.reduce((n, o) => n + o.aWins, 0);
  const bWins = outcomes.reduce((n, o) => n + o.bWins, 0);
  return { turns: outcomes.reduce((n, o) => n + o.turns, 0), aWins, bWins, p: mcnemarExact(aWins, bWins) };
}

/**
 * Several seeds' loop reports side by side: each arm's error, TTPA's paired tests and lead per seed and pooled over
 * seeds. `links`: where each seed's report.md is, relative to the aggregate's (default: `seed-<n>/report.md`, the
 * layout of `ttpa pipeline --seeds`); null for a seed with none.
 */
export function aggregateLoopReports(preset: string, reports: LoopReport[], links?: (string | null)[]): { report: LoopAggregate; markdown: string } {
  const names = Object.keys(reports[0].arms) as ArmName[];
  const others = names.filter((a) => a !== 'ttpa');
  const report: LoopAggregate = {
    preset, seeds: reports.map((r) => r.seed),
    perSeed: reports.map((r) => ({
      seed: r.seed, start: r.start.errorRate, ...(r.warmup ? { warmup: r.warmup.errorRate } : {}), arms: Object.fromEntries(names.map((a) => [a, r.arms[a]?.errorRate])),
      ttpaVs: r.ttpaVs, ttpaVsStart: r.arms.ttpa!.vsStart, goalMet: r.goal.met, wallMs: r.wallMs,
    })),
    pooled: {
      turns: reports.reduce((n, r) => n + r.start.turns, 0),
      ttpaVsStart: pool(reports.map((r) => r.arms.ttpa!.vsStart)),
      ttpaVs: Object.fromEntries(others.map((a) => [a, pool(reports.map((r) => r.ttpaVs[a]!))])),
      ...(reports.every((r) => r.ttpaVsByTurn) ? {
        ttpaVsByTurn: Object.fromEntries(others.map((a) => [a, {
          call: pool(reports.map((r) => r.ttpaVsByTurn![a]!.call)), text: pool(reports.map((r) => r.ttpaVsByTurn![a]!.text)),
          ...(reports.every((r) => r.ttpaVsByTurn![a]!.bothCall) ? { bothCall: pool(reports.map((r) => r.ttpaVsByTurn![a]!.bothCall!)) } : {}),
        }])),
      } : {}),
      ...(reports.every((r) => r.firstMiss) ? {
        ttpaVsAtFirstMiss: Object.fromEntries(others.map((a) => {
          const xs = reports.map((r) => r.firstMiss!.ttpaVs[a]!);
          return [a, {
            margin: pool(xs.map((x) => ({ turns: x.points, aWins: x.aHigher, bWins: x.bHigher, p: x.p }))),
            fixed: pool(xs.map((x) => ({ turns: x.points, aWins: x.onlyAFixed, bWins: x.onlyBFixed, p: x.pFixed }))),
            ...(xs.every((x) => x.newMissOnlyA !== undefined) ? { newMiss: pool(xs.map((x) => ({ turns: x.points, aWins: x.newMissOnlyA!, bWins: x.newMissOnlyB!, p: x.pNewMiss! }))) } : {}),
          }];
        })),
      } : {}),
      ttpaLead: Object.fromEntries(others.map((a) => {
        const strata = reports.map((r) => r.ttpaVs[a]!);
        return [a, { perSeed: strata.map((x, i) => pairedLeadInterval([x], { seed: reports[i].seed })), pooled: pairedLeadInterval(strata, { seed: 0 }) }];
      })),
      ...(reports.every((r) => r.calibrated) ? {
        calibrated: {
          ttpaVs: Object.fromEntries(others.map((a) => [a, pool(reports.map((r) => r.calibrated!.ttpaVs[a]!))])),
          ttpaVsByTurn: Object.fromEntries(others.map((a) => {
            const ks = reports.map((r) => r.calibrated!.ttpaVsByTurn[a]!);
            return [a, { call: pool(ks.map((k) => k.call)), text: pool(ks.map((k) => k.text)), bothCall: pool(ks.map((k) => k.bothCall)) }];
          })),
        },
      } : {}),
      ...(reports.every((r) => r.headroomAfter) ? {
        headroom: {
          k: reports[0].headroomAfter!.k, temperature: reports[0].headroomAfter!.temperature, models: poolHeadroom(reports.map((r) => r.headroomAfter!.models)),
          ...(others.length && others.every((a) => reports.every((r) => r.headroomAfter!.ttpaVs?.[a])) ? {
            ttpaVs: Object.fromEntries(others.map((a) => [a, pool(reports.map((r) => r.headroomAfter!.ttpaVs![a]!))])),
          } : {}),
        },
      } : {}),
    },
    goalMetAllSeeds: reports.every((r) => r.goal.met),
  };
  const pooled = report.pooled;
  const warm = reports.every((r) => r.warmup);
  const anyNewMiss = reports.some((r) => others.some((a) => r.firstMiss?.ttpaVs[a]?.newMissOnlyA !== undefined));
  const bothCall = reports.some((r) => others.some((a) => r.ttpaVsByTurn?.[a]?.bothCall));
  const md = [
    `# TTPA update loop: preset \`${preset}\`, seeds ${report.seeds.join(', ')}`, '',
    'Error rates with 95% bootstrap intervals; TTPA against the start and each arm by the exact McNemar test on the same turns (turns TTPA alone got right / turns the other alone got right, p).', '',
    `| seed | start |${warm ? ' warm-up |' : ''} ${names.join(' | ')} | TTPA vs start | ${others.map((a) => `TTPA vs ${a}`).join(' | ')} | goal | sum of stage times |`,
    `| --- | --- |${' --- |'.repeat(names.length + others.length + 1 + (warm ? 1 : 0))} --- | --- |`,
    ...reports.map((r) => `| ${r.seed} | ${interval(r.start)} |${warm ? ` ${interval(r.warmup!)} |` : ''} ${names.map((a) => interval(r.arms[a]!)).join(' | ')} | ${sig(r.arms.ttpa!.vsStart)} | ${others.map((a) => sig(r.ttpaVs[a]!)).join(' | ')} | ${r.goal.met ? 'met' : 'not met'} | ${(r.wallMs / 60000).toFixed(1)} min |`),
    `| all (${pooled.turns} turns) | |${warm ? ' |' : ''} ${names.map(() => '').join(' | ')} | ${sig(pooled.ttpaVsStart)} | ${others.map((a) => sig(pooled.ttpaVs[a]!)).join(' | ')} | | |`,
    ...(pooled.ttpaVsByTurn ? ['', `TTPA against each arm on the call turns and the text turns apart${bothCall ? ", and on the call turns where both call ('-' in reports from before it was counted)" : ''} (per seed, then pooled):`, '',
      `| arm | seed | call turns | text turns |${bothCall ? ' call turns where both call |' : ''}`, `| --- | --- | --- | --- |${bothCall ? ' --- |' : ''}`,
      ...others.flatMap((a) => {
        const both = (o: PairedOutcome | undefined): string => (bothCall ? ` ${o ? sig(o) : '-'} |` : '');
        return [
          ...reports.map((r) => `| ${a} | ${r.seed} | ${sig(r.ttpaVsByTurn![a]!.call)} | ${sig(r.ttpaVsByTurn![a]!.text)} |${both(r.ttpaVsByTurn![a]!.bothCall)}`),
          `| ${a} | all | ${sig(pooled.ttpaVsByTurn![a]!.call)} | ${sig(pooled.ttpaVsByTurn![a]!.text)} |${both(pooled.ttpaVsByTurn![a]!.bothCall)}`,
        ];
      }), ...(bothCall ? ['', BOTH_CALL_NOTE] : [])] : []),
    ...(pooled.ttpaVsAtFirstMiss ? ['', `TTPA against each arm at the origin model's first wrong tokens of the test call turns (margin higher: TTPA / arm; now right: TTPA only / arm only${anyNewMiss ? "; a new miss: call turns where only TTPA / only the arm misses a token the origin gets right, '-' in reports from before it was counted" : ''}), per seed, then pooled:`, '',
      `| arm | seed | first misses | margin higher | now right |${anyNewMiss ? ' a new miss |' : ''}`, `| --- | --- | --- | --- | --- |${anyNewMiss ? ' --- |' : ''}`,
      ...others.flatMap((a) => [
        ...reports.map((r) => { const x = r.firstMiss!.ttpaVs[a]!; return `| ${a} | ${r.seed} | ${x.points} | ${sig({ turns: x.points, aWins: x.aHigher, bWins: x.bHigher, p: x.p })} | ${sig({ turns: x.points, aWins: x.onlyAFixed, bWins: x.onlyBFixed, p: x.pFixed })} |${anyNewMiss ? ` ${x.newMissOnlyA === undefined ? '-' : sig({ turns: x.points, aWins: x.newMissOnlyA, bWins: x.newMissOnlyB!, p: x.pNewMiss! })} |` : ''}`; }),
        `| ${a} | all | ${pooled.ttpaVsAtFirstMiss![a]!.margin.turns} | ${sig(pooled.ttpaVsAtFirstMiss![a]!.margin)} | ${sig(pooled.ttpaVsAtFirstMiss![a]!.fixed)} |${anyNewMiss ? ` ${pooled.ttpaVsAtFirstMiss![a]!.newMiss ? sig(pooled.ttpaVsAtFirstMiss![a]!.newMiss!) : '-'} |` : ''}`,
      ])] : []),
    ...(others.length ? ['', "TTPA's lead over each arm in error-rate points (positive: TTPA errs less), with a 95% paired bootstrap interval; pooled, each seed's turns are resampled within that seed:", '',
      `| arm | ${report.seeds.map((s) => `seed ${s}`).join(' | ')} | all seeds |`, `| --- |${' --- |'.repeat(report.seeds.length + 1)}`,
      ...others.map((a) => `| ${a} | ${pooled.ttpaLead[a]!.perSeed.map(leadText).join(' | ')} | ${leadText(pooled.ttpaLead[a]!.pooled)} |`)] : []),
    ...(pooled.calibrated && others.length ? ['', "TTPA against each arm with each model at its own call-or-answer bias chosen on validation (loop.calibrate; each seed's report gives the biases), per seed, then pooled:", '',
      '| arm | seed | all turns | call turns | text turns | call turns where both call |', '| --- | --- | --- | --- | --- | --- |',
      ...others.flatMap((a) => {
        const row = (seed: string, o: PairedOutcome, k: { call: PairedOutcome; text: PairedOutcome; bothCall: PairedOutcome }): string => `| ${a} | ${seed} | ${sig(o)} | ${sig(k.call)} | ${sig(k.text)} | ${sig(k.bothCall)} |`;
        return [...reports.map((r) => row(String(r.seed), r.calibrated!.ttpaVs[a]!, r.calibrated!.ttpaVsByTurn[a]!)), row('all', pooled.calibrated!.ttpaVs[a]!, pooled.calibrated!.ttpaVsByTurn[a]!)];
      })] : []),
    ...(pooled.headroom ? ['', ...headroomLines(pooled.headroom.models, pooled.headroom.k, pooled.headroom.temperature, reports.length), ...reachLines(pooled.headroom.k, pooled.headroom.ttpaVs)].slice(0, -1) : []),
    '', `Goal met on every seed: **${report.goalMetAllSeeds ? 'yes' : 'no'}**. ${perSeedLinks(report.seeds, links)}`.trimEnd(), '',
  ];
  return { report, markdown: md.join('\n') };
}

function perSeedLinks(seeds: number[], links?: (string | null)[]): string {
  const shown = seeds.map((s, i) => { const l = links ? links[i] : `seed-${s}/report.md`; return l ? `[seed ${s}](${l})` : null; }).filter((x) => x !== null);
  return shown.length ? `Per-seed reports: ${shown.join(', ')}.` : '';
}

/**
 * What TTPA's kept pairs ask for, per round: how often the chosen side is the ground truth (which the SFT anchor on
 * the same prompts trains as well) or at least an exact call. Nothing for reports without the counts.
 */
function pairSidesLines(rounds: LoopArmResult['rounds']): string[] {
  const known = rounds.filter((q) => q.kept !== undefined && q.chosenTruth !== undefined && q.chosenExact !== undefined);
  if (!known.length) return [];
  const share = (n: number, of: number) => `${n} (${of > 0 ? pct(n / of) : '-'})`;
  return [
    `TTPA's pairs, chosen side: ${known.map((q) => `round ${q.round}: of ${q.kept} kept, the ground truth in ${share(q.chosenTruth!, q.kept!)}, an exact call in ${share(q.chosenExact!, q.kept!)}`).join('; ')}. SFT on the same prompts (the anchor, when the run has one) trains the ground truth too; what the preference term adds is mainly the push against the rejected side.`,
    '',
  ];
}

function calibratedResults(inp: LoopReportInputs, arms: readonly ArmName[]): NonNullable<LoopReport['calibrated']> {
  const c = inp.calibration!;
  const models: NonNullable<LoopReport['calibrated']>['models'] = {};
  [c.base, ...arms].forEach((name, i) => {
    const m = c.models[name];
    if (!m) throw new Error(`buildLoopReport: no calibration for ${name}`);
    models[name] = { ...m.summary, ci: ci(m.test, inp.seed + 201 + i), vsGreedy: pairedOutcome(m.test, inp.evals[name]) };
  });
  const ttpaVs: NonNullable<LoopReport['calibrated']>['ttpaVs'] = {};
  const ttpaVsByTurn: NonNullable<LoopReport['calibrated']>['ttpaVsByTurn'] = {};
  for (const a of arms) {
    if (a === 'ttpa') continue;
    ttpaVs[a] = pairedOutcome(c.models.ttpa.test, c.models[a].test);
    ttpaVsByTurn[a] = pairedByTurnKind(c.models.ttpa.test, c.models[a].test);
  }
  return { base: c.base, models, ttpaVs, ttpaVsByTurn };
}

/** The calibrated section: each model at its validation-chosen bias, then TTPA against each arm with both at theirs. */
function calibratedLines(r: LoopReport, names: readonly ArmName[]): string[] {
  const c = r.calibrated;
  if (!c) return [];
  const origin = c.models[c.base];
  const bias = (b: number): string => (b > 0 ? `+${b}` : `${b}`);
  const others = names.filter((a) => a !== 'ttpa');
  const decisions = (p: { spurious: number; missed: number }): string => `${p.spurious} / ${p.missed}`;
  return [
    '## At a call-or-answer threshold set on validation (loop.calibrate)', '',
    `Greedy decoding calls a tool when \`<tool_call>\` is the most likely first token of a turn. Each model below gets a bias on that token's log-prob, the one with the lowest error on ${origin.val.turns} validation turns (the validation split and the train samples no round drew), and the test set is read at it. Pairs that choose a refusal over a spurious call, or a call over a refusal, move that threshold; a validation-chosen bias moves it for any model without training, so a lead that remains here is not a threshold shift. Spurious / missed: calls where the truth answers in text / text where it calls.`, '',
    '| model | bias | validation error at 0 -> at the bias | test at 0: error, spurious / missed | test at the bias [95% CI] | spurious / missed | at the bias / at 0, p |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...[c.base, ...names].map((a) => {
      const m = c.models[a]!;
      return `| ${a === c.base ? `${a} (origin)` : a} | ${bias(m.bias)} | ${pct(m.val.greedy.errorRate)} -> ${pct(m.val.chosen.errorRate)} | ${pct(m.test.greedy.errorRate)}, ${decisions(m.test.greedy)} | ${pct(m.test.calibrated.errorRate)} [${pct(m.ci[0])}, ${pct(m.ci[1])}] | ${decisions(m.test.calibrated)} | ${sig(m.vsGreedy)} |`;
    }), '',
    ...(others.length === 0 ? [] : [
      '| arm | TTPA wins / arm wins, each at its bias, p | on call turns | on text turns | on call turns where both call |', '| --- | --- | --- | --- | --- |',
      ...others.map((a) => { const k = c.ttpaVsByTurn[a]!; return `| ${a} | ${sig(c.ttpaVs[a]!)} | ${k.call.turns} turns: ${sig(k.call)} | ${k.text.turns} turns: ${sig(k.text)} | ${k.bothCall.turns} turns: ${sig(k.bothCall)} |`; }), '',
      'The goal above reads plain greedy decoding; this table is the same comparison with the decision threshold set the same way for every model.', '']),
  ];
}

function firstMissResults(fm: NonNullable<LoopReportInputs['firstMiss']>, arms: readonly ArmName[]): NonNullable<LoopReport['firstMiss']> {
  const base = fm.turns[fm.base];
  const models: Record<string, ModelAtMisses> = { [fm.base]: atBaseMisses(base, base) };
  for (const a of arms) models[a] = atBaseMisses(base, fm.turns[a]);
  const ttpaVs: Partial<Record<ArmName, PairedAtMisses>> = {};
  for (const a of arms) if (a !== 'ttpa') ttpaVs[a] = pairedAtBaseMisses(base, fm.turns.ttpa, fm.turns[a]);
  return { base: fm.base, models, ttpaVs };
}

/** The token-level section: each model at the origin's first misses, then TTPA against each arm there. */
function firstMissLines(r: LoopReport, names: readonly ArmName[]): string[] {
  const fm = r.firstMiss;
  if (!fm) return [];
  const origin = fm.models[fm.base];
  const who = fm.base === 'warmup' ? "the warm-up round's model" : 'the starting model';
  const nats = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const compared = names.filter((a) => a !== 'ttpa' && fm.ttpaVs[a]);
  // new-miss counts exist in reports written since they were counted
  const newCols = names.every((a) => fm.models[a]?.newMissTokens !== undefined) && compared.every((a) => fm.ttpaVs[a]!.newMissOnlyA !== undefined);
  if (origin.points === 0) return ['## At the first wrong token (test call turns, teacher-forced)', '', `${fm.base === 'warmup' ? "The warm-up round's model" : 'The starting model'} misses no token of the ${origin.callTurns} test call turns: nothing to read.`, ''];
  return [
    '## At the first wrong token (test call turns, teacher-forced)', '',
    `Each model reads the test call turns once with the ground truth fed in. A turn's first miss is its first token where another token is more likely than the truth: exactly where greedy decoding leaves the truth (a turn without one is one greedy decoding gets exact). Token-level pairs push on such tokens; here they are read on turns no pair trained, at the origin's (${who}'s) ${origin.points} first misses (its ${origin.callTurns - origin.clean} missed call turns hold a median of ${origin.medianMisses} missed tokens; ${origin.oneMiss} hold one, the turns a one-token fix makes clean).`, '',
    `| model | call turns exact | the origin's first misses now right | its missed turns now exact | first miss later / earlier | its exact turns kept | median margin there (nats) |${newCols ? ' new misses: tokens (turns) |' : ''}`,
    `| --- | --- | --- | --- | --- | --- | --- |${newCols ? ' --- |' : ''}`,
    ...names.map((a) => { const m = fm.models[a]!; return `| ${a} | ${m.clean} of ${m.callTurns} | ${m.fixed} of ${m.points} | ${m.repaired} | ${m.movedLater} / ${m.movedEarlier} | ${m.keptClean} of ${origin.clean} | ${nats(m.medianMargin, 2)} |${newCols ? ` ${m.newMissTokens} (${m.newMissTurns}) |` : ''}`; }), '',
    ...(compared.length === 0 ? [] : [
      `| arm | TTPA margin higher / arm margin higher, p | median TTPA − arm (nats) | now right for TTPA only / the arm only, p |${newCols ? ' turns with a new miss, TTPA only / the arm only, p |' : ''}`, `| --- | --- | --- | --- |${newCols ? ' --- |' : ''}`,
      ...compared.map((a) => { const x = fm.ttpaVs[a]!; return `| ${a} | ${x.aHigher} / ${x.bHigher}, ${pValue(x.p)} | ${nats(x.medianDiff, 3)} | ${x.onlyAFixed} / ${x.onlyBFixed}, ${pValue(x.pFixed)} |${newCols ? ` ${x.newMissOnlyA} / ${x.newMissOnlyB}, ${pValue(x.pNewMiss!)} |` : ''}`; }), '']),
    'Margin: log p(truth) minus the largest log p of another token; above 0 greedy decoding writes the truth there. The sign test counts the misses where one model\'s margin is higher. A token fixed here makes the turn exact only when no later token misses, so this readout moves before whole turns do.', '',
    ...(newCols ? ["A new miss is a token the origin gets right that the model misses, anywhere in a call turn: what an update breaks on turns it never trained on, beside what it fixes. A model that fixes more of the origin's first misses than another can still tie with it on whole turns when it also breaks more tokens elsewhere.", ''] : []),
  ];
}
