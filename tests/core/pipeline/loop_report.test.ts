import { describe, expect, it } from 'vitest';
import { aggregateLoopReports, budgetLine, buildLoopReport, tailMedians, type LoopReport } from '../../../src/core/pipeline/loop_report.ts';
import type { EvalReport } from '../../../src/core/scoring/evaluate.ts';
import { resolvePipelineConfig } from '../../../src/core/pipeline/config.ts';
import { mcnemarExact } from '../../../src/core/scoring/significance.ts';

const outcome = (aWins: number, bWins: number, turns = 100) => ({ turns, aWins, bWins, p: mcnemarExact(aWins, bWins) });
const seed = (s: number, vsStart: [number, number], vsControl: [number, number]): LoopReport => ({
  kind: 'loop', seed: s, wallMs: 60_000, goal: { met: false },
  start: { errorRate: 0.4, ci: [0.35, 0.45], turns: 100 },
  arms: {
    ttpa: { errorRate: 0.38, ci: [0.33, 0.43], vsStart: outcome(...vsStart) },
    control: { errorRate: 0.39, ci: [0.34, 0.44], vsStart: outcome(1, 1) },
  },
  ttpaVs: { control: outcome(...vsControl) },
} as unknown as LoopReport);

describe('aggregateLoopReports', () => {
  it('adds up the seeds\' discordant turns and tests the pooled counts (exact McNemar)', () => {
    const agg = aggregateLoopReports('demo', [seed(1, [6, 1], [3, 2]), seed(2, [4, 3], [0, 5])]);
    expect(agg.report.pooled.turns).toBe(200);
    expect(agg.report.pooled.ttpaVsStart).toEqual({ turns: 200, aWins: 10, bWins: 4, p: mcnemarExact(10, 4) });
    expect(agg.report.pooled.ttpaVs.control).toMatchObject({ aWins: 3, bWins: 7 });
    expect(agg.markdown).toContain('| all (200 turns) |');
    expect(agg.markdown).toContain(`10 / 4, p = ${mcnemarExact(10, 4).toFixed(3)}`);
    expect(agg.report.goalMetAllSeeds).toBe(false);
    expect(agg.markdown).not.toContain('warm-up');
    // Two seeds of 900-odd wins against 80-odd: the exact test's p underflows to 0, said as a bound.
    const huge = aggregateLoopReports('demo', [seed(1, [934, 88], [3, 2]), seed(2, [909, 83], [0, 5])]);
    expect(huge.report.pooled.ttpaVsStart.p).toBe(0);
    expect(huge.markdown).toContain('| 1843 / 171, p < 1e-300 |');
    expect(huge.markdown).toContain('| 934 / 88, p = 3.8e-179 |');
  });

  it("gives TTPA's lead over each arm per seed and pooled, with stratified paired bootstrap intervals", () => {
    const k6 = (s: number, turns: number, a: number, b: number): LoopReport => ({ ...seed(s, [1, 1], [0, 0]), ttpaVs: { control: outcome(a, b, turns) } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-calls-full', [k6(1, 5277, 148, 115), k6(2, 5346, 119, 149)]);
    const lead = agg.report.pooled.ttpaLead.control!;
    expect(lead.perSeed.map((x) => x.lead)).toEqual([33 / 5277, -30 / 5346]);
    expect(lead.pooled).toMatchObject({ lead: 3 / 10623, turns: 10623 });
    expect(lead.pooled.lo).toBeLessThan(0);
    expect(lead.pooled.hi).toBeGreaterThan(0);
    expect(lead.perSeed[0].lo).toBeCloseTo(0.0002, 2);
    const row = agg.markdown.split('\n').find((l) => l.startsWith('| control | 0.6 pt'));
    expect(row).toMatch(/^\| control \| 0\.6 pt \[0\.\d, 1\.2\] \| -0\.6 pt \[-1\.\d, 0\.\d\] \| 0\.0 pt \[-0\.\d, 0\.\d\] \|$/);
    expect(agg.markdown).toContain('| arm | seed 1 | seed 2 | all seeds |');
  });

  it("adds up the seeds' headroom rows when every seed measured them, models measured on every seed only", () => {
    const row = (turns: number, greedy: number, passAtK: number, greedyWrong: number, reachable: number) => ({ turns, greedy, passAt1: 0.5, passAtK, greedyWrong, reachable });
    const withHeadroom = (r: LoopReport, models: Record<string, ReturnType<typeof row>>): LoopReport => ({ ...r, headroomAfter: { k: 8, temperature: 0.7, models } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-calls-full', [
      withHeadroom(seed(1, [6, 1], [3, 2]), { start: row(400, 0.6, 0.7, 160, 40), ttpa: row(400, 0.8, 0.85, 80, 20) }),
      withHeadroom(seed(2, [4, 3], [0, 5]), { ttpa: row(100, 0.7, 0.8, 30, 10) }),
    ]);
    expect(agg.report.pooled.headroom).toEqual({ k: 8, temperature: 0.7, models: { ttpa: { turns: 500, greedy: 0.78, passAt1: 0.5, passAtK: 0.84, greedyWrong: 110, reachable: 30 } } });
    expect(agg.markdown).toContain("On the headroom line's 500 test turns (2 seeds pooled), every model sampled 8 times a turn");
    expect(agg.markdown).toContain('| ttpa | 78.0% | 50.0% | 84.0% | 30 of 110 (27.3%) |\n\nGoal met on every seed');
    expect(aggregateLoopReports('demo', [seed(1, [6, 1], [3, 2])]).report.pooled.headroom).toBeUndefined();
  });

  it("adds up TTPA's pass@k against each arm when every seed has it, and says it under the pooled rows", () => {
    const models = { ttpa: { turns: 400, greedy: 0.8, passAt1: 0.5, passAtK: 0.85, greedyWrong: 80, reachable: 20 } };
    const withReach = (r: LoopReport, ttpaVs?: Record<string, ReturnType<typeof outcome>>): LoopReport => ({ ...r, headroomAfter: { k: 8, temperature: 0.7, models, ...(ttpaVs ? { ttpaVs } : {}) } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-calls-full', [withReach(seed(1, [6, 1], [3, 2]), { control: outcome(43, 45, 400) }), withReach(seed(2, [4, 3], [0, 5]), { control: outcome(7, 1, 400) })]);
    expect(agg.report.pooled.headroom!.ttpaVs).toEqual({ control: { turns: 800, aWins: 50, bWins: 46, p: mcnemarExact(50, 46) } });
    expect(agg.markdown).toContain(`| ttpa | 80.0% | 50.0% | 85.0% | 40 of 160 (25.0%) |\n\npass@8 of TTPA against each arm on the same turns (turns only TTPA's samples reach / only the arm's): control 50 / 46, p = ${mcnemarExact(50, 46).toFixed(3)}.\n\nGoal met on every seed`);
    // a seed from before the count: the pooled rows without it
    const older = aggregateLoopReports('fresh-calls-full', [withReach(seed(1, [6, 1], [3, 2]), { control: outcome(43, 45, 400) }), withReach(seed(2, [4, 3], [0, 5]))]);
    expect(older.report.pooled.headroom!.ttpaVs).toBeUndefined();
    expect(older.markdown).toContain('| ttpa | 80.0% | 50.0% | 85.0% | 40 of 160 (25.0%) |\n\nGoal met on every seed');
  });

  it('pools the call-turn and text-turn tests apart when every seed reports them', () => {
    const byTurn = (r: LoopReport, call: [number, number], text: [number, number]): LoopReport => ({ ...r, ttpaVsByTurn: { control: { call: outcome(...call, 60), text: outcome(...text, 40) } } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-calls', [byTurn(seed(1, [6, 1], [3, 2]), [3, 0], [0, 2]), byTurn(seed(2, [4, 3], [0, 5]), [0, 1], [0, 4])]);
    expect(agg.report.pooled.ttpaVsByTurn!.control).toEqual({ call: outcome(3, 1, 120), text: outcome(0, 6, 80) });
    expect(agg.markdown).toContain('| control | 1 | 3 / 0, p = 0.250 | 0 / 2, p = 0.500 |');
    expect(agg.markdown).toContain(`| control | all | 3 / 1, p = ${mcnemarExact(3, 1).toFixed(3)} | 0 / 6, p = ${mcnemarExact(0, 6).toFixed(3)} |`);
    expect(agg.markdown).not.toContain('both call');
    // a seed without the split (an older report) leaves it out of the aggregate
    expect(aggregateLoopReports('fresh-calls', [byTurn(seed(1, [6, 1], [3, 2]), [3, 0], [0, 2]), seed(2, [4, 3], [0, 5])]).report.pooled.ttpaVsByTurn).toBeUndefined();
  });

  it("pools the call turns where both call when every seed counts them, '-' for a seed that does not", () => {
    const byTurn = (r: LoopReport, call: [number, number], both?: [number, number]): LoopReport => ({ ...r, ttpaVsByTurn: { control: { call: outcome(...call, 60), text: outcome(0, 0, 40), ...(both ? { bothCall: outcome(...both, 50) } : {}) } } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-calls', [byTurn(seed(1, [6, 1], [3, 2]), [3, 0], [2, 0]), byTurn(seed(2, [4, 3], [0, 5]), [0, 1], [0, 3])]);
    expect(agg.report.pooled.ttpaVsByTurn!.control!.bothCall).toEqual(outcome(2, 3, 100));
    expect(agg.markdown).toContain('| arm | seed | call turns | text turns | call turns where both call |');
    expect(agg.markdown).toContain('| control | 1 | 3 / 0, p = 0.250 | 0 / 0, p = 1.000 | 2 / 0, p = 0.500 |');
    expect(agg.markdown).toContain('| control | all | 3 / 1, p = 0.625 | 0 / 0, p = 1.000 | 2 / 3, p = 1.000 |');
    expect(agg.markdown).toContain('Where both call:');
    const mixed = aggregateLoopReports('fresh-calls', [byTurn(seed(1, [6, 1], [3, 2]), [3, 0], [2, 0]), byTurn(seed(2, [4, 3], [0, 5]), [0, 1])]);
    expect(mixed.report.pooled.ttpaVsByTurn!.control!.bothCall).toBeUndefined();
    expect(mixed.markdown).toContain('| control | 2 | 0 / 1, p = 1.000 | 0 / 0, p = 1.000 | - |');
    expect(mixed.markdown).toContain('| control | all | 3 / 1, p = 0.625 | 0 / 0, p = 1.000 | - |');
  });

  it('pools TTPA against each arm at calibrated thresholds when every seed has them, per seed and by kind of turn', () => {
    const calibrated = (r: LoopReport, all: [number, number], call: [number, number], text: [number, number], both: [number, number]): LoopReport => ({ ...r, calibrated: { base: 'warmup', models: {}, ttpaVs: { control: outcome(...all) },
      ttpaVsByTurn: { control: { call: outcome(...call, 60), text: outcome(...text, 40), bothCall: outcome(...both, 50) } } } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-calls-full', [calibrated(seed(1, [6, 1], [3, 2]), [5, 4], [4, 4], [1, 0], [3, 4]), calibrated(seed(2, [4, 3], [0, 5]), [2, 6], [2, 5], [0, 1], [2, 5])]);
    expect(agg.report.pooled.calibrated).toEqual({
      ttpaVs: { control: outcome(7, 10, 200) },
      ttpaVsByTurn: { control: { call: outcome(6, 9, 120), text: outcome(1, 1, 80), bothCall: outcome(5, 9, 100) } },
    });
    expect(agg.markdown).toContain('at its own call-or-answer bias chosen on validation');
    expect(agg.markdown).toContain('| control | 1 | 5 / 4, p = 1.000 | 4 / 4, p = 1.000 | 1 / 0, p = 1.000 | 3 / 4, p = 1.000 |');
    expect(agg.markdown).toContain(`| control | all | 7 / 10, p = ${mcnemarExact(7, 10).toFixed(3)} | 6 / 9, p = ${mcnemarExact(6, 9).toFixed(3)} | 1 / 1, p = 1.000 | 5 / 9, p = ${mcnemarExact(5, 9).toFixed(3)} |`);
    // one seed without them (loop.calibrate off): nothing pooled, no table
    const mixed = aggregateLoopReports('fresh-calls-full', [calibrated(seed(1, [6, 1], [3, 2]), [5, 4], [4, 4], [1, 0], [3, 4]), seed(2, [4, 3], [0, 5])]);
    expect(mixed.report.pooled.calibrated).toBeUndefined();
    expect(mixed.markdown).not.toContain('call-or-answer bias');
  });

  it('pools the token-level tests (margins and fixes at the first wrong tokens) when every seed has them', () => {
    const atMiss = (r: LoopReport, higher: [number, number], fixed: [number, number], points: number): LoopReport => ({ ...r, firstMiss: { base: 'warmup', models: {}, ttpaVs: { control: {
      points, aHigher: higher[0], bHigher: higher[1], p: mcnemarExact(...higher), medianDiff: 0.1, onlyAFixed: fixed[0], onlyBFixed: fixed[1], pFixed: mcnemarExact(...fixed),
    } } } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-calls', [atMiss(seed(1, [6, 1], [3, 2]), [908, 741], [185, 140], 1649), atMiss(seed(2, [4, 3], [0, 5]), [899, 698], [191, 109], 1597)]);
    expect(agg.report.pooled.ttpaVsAtFirstMiss!.control).toEqual({
      margin: { turns: 3246, aWins: 1807, bWins: 1439, p: mcnemarExact(1807, 1439) }, fixed: { turns: 3246, aWins: 376, bWins: 249, p: mcnemarExact(376, 249) },
    });
    expect(agg.markdown).toContain(`| control | 1 | 1649 | 908 / 741, p = ${mcnemarExact(908, 741).toExponential(1)} | 185 / 140, p = 0.015 |`);
    expect(agg.markdown).toContain('| control | all | 3246 | 1807 / 1439, p = ');
    expect(aggregateLoopReports('fresh-calls', [atMiss(seed(1, [6, 1], [3, 2]), [1, 0], [1, 0], 5), seed(2, [4, 3], [0, 5])]).report.pooled.ttpaVsAtFirstMiss).toBeUndefined();
  });

  it('pools the turns with a new miss (a token the origin had right, now wrong) when every seed counted them, and shows - where one did not', () => {
    const atMiss = (r: LoopReport, fresh?: [number, number]): LoopReport => ({ ...r, firstMiss: { base: 'warmup', models: {}, ttpaVs: { control: {
      points: 100, aHigher: 60, bHigher: 40, p: mcnemarExact(60, 40), medianDiff: 0.1, onlyAFixed: 9, onlyBFixed: 5, pFixed: mcnemarExact(9, 5),
      ...(fresh ? { newMissOnlyA: fresh[0], newMissOnlyB: fresh[1], pNewMiss: mcnemarExact(...fresh) } : {}),
    } } } } as unknown as LoopReport);
    const both = aggregateLoopReports('fresh-calls', [atMiss(seed(1, [6, 1], [3, 2]), [52, 18]), atMiss(seed(2, [4, 3], [0, 5]), [30, 30])]);
    expect(both.report.pooled.ttpaVsAtFirstMiss!.control!.newMiss).toEqual({ turns: 200, aWins: 82, bWins: 48, p: mcnemarExact(82, 48) });
    expect(both.markdown).toContain('| arm | seed | first misses | margin higher | now right | a new miss |');
    expect(both.markdown).toContain(`| control | 1 | 100 | 60 / 40, p = 0.057 | 9 / 5, p = 0.424 | 52 / 18, p = ${mcnemarExact(52, 18).toExponential(1)} |`);
    expect(both.markdown).toContain(`| control | all | 200 | 120 / 80, p = 0.006 | 18 / 10, p = 0.185 | 82 / 48, p = 0.004 |`);
    // one seed from before the count: its cell and the pooled one read '-', the pooled figures leave it out
    const one = aggregateLoopReports('fresh-calls', [atMiss(seed(1, [6, 1], [3, 2])), atMiss(seed(2, [4, 3], [0, 5]), [30, 30])]);
    expect(one.report.pooled.ttpaVsAtFirstMiss!.control!.newMiss).toBeUndefined();
    expect(one.markdown).toContain('| control | 1 | 100 | 60 / 40, p = 0.057 | 9 / 5, p = 0.424 | - |');
    expect(one.markdown).toContain('| control | all | 200 | 120 / 80, p = 0.006 | 18 / 10, p = 0.185 | - |');
    // none counted: no column
    expect(aggregateLoopReports('fresh-calls', [atMiss(seed(1, [6, 1], [3, 2])), atMiss(seed(2, [4, 3], [0, 5]))]).markdown).not.toContain('a new miss');
  });

  it('shows the shared warm-up round of each seed beside the start when every seed has one', () => {
    const withWarmup = (r: LoopReport, rate: number): LoopReport => ({ ...r, warmup: { errorRate: rate, ci: [rate - 0.05, rate + 0.05] } } as unknown as LoopReport);
    const agg = aggregateLoopReports('fresh-rounds', [withWarmup(seed(1, [6, 1], [3, 2]), 0.39), withWarmup(seed(2, [4, 3], [0, 5]), 0.385)]);
    expect(agg.report.perSeed.map((x) => x.warmup)).toEqual([0.39, 0.385]);
    const lines = agg.markdown.split('\n');
    expect(lines.find((l) => l.startsWith('| seed |'))).toBe('| seed | start | warm-up | ttpa | control | TTPA vs start | TTPA vs control | goal | sum of stage times |');
    expect(lines.find((l) => l.startsWith('| 2 |'))).toContain('| 40.0% [35.0%, 45.0%] | 38.5% [33.5%, 43.5%] | 38.0% [33.0%, 43.0%] |');
    for (const l of lines.slice(lines.findIndex((x) => x.startsWith('| seed |'))).filter((_, i, all) => all.slice(0, i + 1).every((y) => y.startsWith('|')))) expect(l.split('|').length, l).toBe(11);
  });
});

describe('tailMedians', () => {
  it('takes the median of each metric over the last n steps, skipping steps without it', () => {
    const steps: Record<string, number>[] = [{ loss: 100, kl: 100 }, { loss: 3, kl: 1 }, { loss: 1, kl: 5000 }, { loss: 2, kl: 2 }, { loss: 4 }];
    expect(tailMedians(steps, 4)).toEqual({ loss: 2.5, kl: 2 }); // loss of 3, 1, 2, 4; kl of 1, 5000, 2
    expect(tailMedians(steps.slice(0, 2), 25)).toEqual({ loss: 51.5, kl: 50.5 });
    expect(tailMedians([])).toBeNull();
  });
});

describe('budgetLine', () => {
  it('says which arms train the SFT anchor: the DPO arms, continued SFT alone, RFT with loop.rftAnchor or without', () => {
    const line = (loop: object) => budgetLine(resolvePipelineConfig({ dpo: { anchorWeight: 1 }, loop: { rounds: 2, ...loop } }));
    const auto = ", with each pair or target ceil(samples / pairs) anchor samples (dpo.anchorPerPair auto: fewer pairs bring more each; the per-round table gives the dose, 'anchor ×k')";
    expect(line({ arms: ['sft-continued', 'rft'], rftAnchor: true })).toContain(`DPO arms add the SFT anchor (the ground truth of the round's samples, weight 1${auto}), continued SFT is that anchor alone (every preference term weighted 0), RFT trains it beside its targets (loop.rftAnchor); `);
    expect(line({ arms: ['rft'] })).toContain(`weight 1${auto}), RFT trains without it; `);
    expect(line({ arms: ['control'] })).toContain(`weight 1${auto}); `);
    // A fixed dose is stated as such.
    expect(budgetLine(resolvePipelineConfig({ dpo: { anchorWeight: 1, anchorPerPair: 2 }, loop: { rounds: 2, arms: ['control'] } })))
      .toContain('weight 1, 2 anchor sample(s) with each pair or target (dpo.anchorPerPair)); ');
    expect(budgetLine(resolvePipelineConfig({ loop: { rounds: 2, arms: ['rft'] } }))).not.toContain('anchor');
  });

  it('states a pair warm-up, and nothing about one when it is off', () => {
    const line = (dpo: object) => budgetLine(resolvePipelineConfig({ dpo: { anchorWeight: 1, ...dpo }, loop: { rounds: 2, arms: ['ttpa', 'sft-continued'] } }));
    expect(line({ pairWarmupSteps: 100 })).toContain("the pairs' loss ramps in over each round's first 100 steps (dpo.pairWarmupSteps; the anchor is never ramped); DPO arms add the SFT anchor");
    expect(line({})).not.toContain('ramps in');
  });

  it("states the control's NLL weight against the preference term's, and says when controlWeight set it", () => {
    const line = (top: object) => budgetLine(resolvePipelineConfig({ ...top, dpo: { lossWeights: [0.1] }, loop: { rounds: 2, arms: ['ttpa', 'control'] } }));
    expect(line({})).toContain("the control trains the pairs' chosen side's NLL at weight 1 in place of the preference term (weight 0.1); ");
    expect(line({ controlWeight: 0.1 })).toContain("the control trains the pairs' chosen side's NLL at weight 0.1 (controlWeight) in place of the preference term (weight 0.1); ");
    expect(budgetLine(resolvePipelineConfig({ loop: { rounds: 2, arms: ['ttpa'] } }))).not.toContain('the control trains');
  });
});

describe('buildLoopReport', () => {
  /** 1,000 turns, the first `wrong` of them wrong, every fifth a call turn (enough that two bootstrap seeds give two intervals). */
  const evalOf = (wrong: number, error = 'wrong_value'): EvalReport => {
    const turns = Array.from({ length: 1000 }, (_, i) => ({ sampleId: `t${i}`, turn: 1, exact: i >= wrong, errors: i < wrong ? [{ category: error, message: 'x' }] : [], expected: i % 5 === 0 ? [{ name: 'f', arguments: {} }] : [] }));
    return { turns, overall: { turns: 1000, exactMatch: (1000 - wrong) / 1000, meanEsm: 0, errorRates: {} } } as unknown as EvalReport;
  };
  const config = resolvePipelineConfig({ loop: { rounds: 1, arms: ['ttpa', 'control', 'sft-continued'] } });
  const inputs = (arms?: ('ttpa' | 'control' | 'sft-continued')[]) => ({
    preset: 'p', seed: 5, config, stages: [], arms, headroom: null, startVal: { errorRate: 0.5, turns: 10 },
    evals: { sft: evalOf(400), ttpa: evalOf(181), control: evalOf(227), 'sft-continued': evalOf(203) },
    runs: { ttpa: { rounds: [], selectedRound: 0 }, control: { rounds: [], selectedRound: 0 }, 'sft-continued': { rounds: [], selectedRound: 0 } },
  });

  it('gives an arm of a subset run (--arms) the interval the full report gives it: the seed follows the preset\'s order', () => {
    const full = buildLoopReport(inputs()).report;
    const some = buildLoopReport(inputs(['ttpa', 'sft-continued'])).report;
    expect(Object.keys(some.arms)).toEqual(['ttpa', 'sft-continued']);
    expect(some.arms['sft-continued']!.ci).toEqual(full.arms['sft-continued']!.ci);
    expect(some.arms.ttpa!.ci).toEqual(full.arms.ttpa!.ci);
    expect(some.goal.armsNotRun).toEqual(['control', 'rft', 'sequence']);
    // the test can fail: seeded by the subset's order (place 2, not 3), the same turns get another interval
    const bySubsetOrder = buildLoopReport({ ...inputs(['ttpa', 'sft-continued']), config: resolvePipelineConfig({ loop: { rounds: 1, arms: ['ttpa', 'sft-continued'] } }) }).report;
    expect(bySubsetOrder.arms['sft-continued']!.ci).not.toEqual(full.arms['sft-continued']!.ci);
  });

  it("gives each round's loss, KL and logps/chosen as medians of its last steps, or its last step where it has no metrics file", () => {
    const final = { loss: 9, kl: 216484, 'logps/chosen': -2 };
    const summary = (round: number) => ({ round, items: 4, prompts: 4, steps: 30, val: { errorRate: 0.3, turns: 10 }, final });
    const two = (tails?: (Record<string, number> | null)[]) => ({ rounds: [{ summary: summary(1) }, { summary: summary(2) }] as never, selectedRound: 2, tails });
    const withRounds = (tails?: (Record<string, number> | null)[]) => ({ ...inputs(), runs: { ttpa: two(tails), control: two(tails), 'sft-continued': two(tails) } });
    const medians = buildLoopReport(withRounds([{ loss: 0.1, kl: 2.5, 'logps/chosen': -3 }, { loss: 0.08, kl: 4, 'logps/chosen': -2.5 }]));
    expect(medians.report.arms.ttpa!.rounds.map((q) => [q.loss, q.kl, q.logpsChosen, q.tailSteps])).toEqual([[0.1, 2.5, -3, 25], [0.08, 4, -2.5, 25]]);
    expect(medians.markdown).toContain('## End of each round (median of its last 25 steps)');
    expect(medians.markdown).toContain('| ttpa | 2 | 0.0800 | 4.0000 | -2.50 |');
    // An older run folder (no metrics read) keeps the last step, and says so.
    const last = buildLoopReport(withRounds([null, null]));
    expect(last.report.arms.ttpa!.rounds[1]).toMatchObject({ loss: 9, kl: 216484, logpsChosen: -2 });
    expect(last.report.arms.ttpa!.rounds[1].tailSteps).toBeUndefined();
    expect(last.markdown).toContain('## Last training step of each round');
  });

  it('leaves out of the both-call column the call turns either side answered in plain text', () => {
    // The control answers its 46 wrong call turns (t0, t5, ..., t225) in text: TTPA's 9 wins over it there (t185-t225) are
    // all on turns the control did not call, so where both call (the other 154 call turns) neither wins.
    const r = buildLoopReport({ ...inputs(), evals: { ...inputs().evals, control: evalOf(227, 'no_call') } });
    expect(r.report.ttpaVsByTurn!.control).toMatchObject({ call: { turns: 200, aWins: 9, bWins: 0 }, bothCall: { turns: 154, aWins: 0, bWins: 0 } });
    expect(r.report.ttpaVsByTurn!['sft-continued']).toMatchObject({ call: { turns: 200, aWins: 4, bWins: 0 }, bothCall: { turns: 200, aWins: 4, bWins: 0 } });
    expect(r.markdown).toContain('| on call turns where both call |');
    expect(r.markdown).toMatch(/\| control \| .* \| 200 turns: 9 \/ 0, p = 0\.004 \| 800 turns: .* \| 154 turns: 0 \/ 0, p = 1\.000 \|/);
    expect(r.markdown).toContain('Where both call:');
  });

  it('with calibrations, pairs each model at its own validation-chosen bias and tells each from its greedy reading', () => {
    const point = (bias: number, errorRate: number, spurious: number, missed: number) => ({ bias, errorRate, calls: 0, spurious, missed });
    const cal = (bias: number, test: EvalReport, greedyError: number) => ({
      summary: { bias, val: { samples: 40, turns: 90, flipsDecoded: 7, greedy: point(0, 0.3, 5, 1), chosen: point(bias, 0.28, 3, 2) }, test: { turns: 1000, flipsDecoded: 9, greedy: point(0, greedyError, 4, 1), calibrated: point(bias, test.turns.filter((t) => !t.exact).length / 1000, 2, 3) } },
      test,
    });
    // TTPA's bias is 0 (its greedy reading); the control's takes it from 227 wrong turns to 185 (the first 42 of its
    // wrong turns fixed, all of them turns TTPA gets wrong), so TTPA's 46 / 0 lead over it at greedy becomes 46 / 42.
    const calibration = { base: 'sft', models: { sft: cal(-1, evalOf(390), 0.4), ttpa: cal(0, evalOf(181), 0.181), control: cal(-0.5, { ...evalOf(185), turns: evalOf(227).turns.map((t, i) => (i < 42 ? { ...t, exact: true, errors: [] } : t)) } as EvalReport, 0.227), 'sft-continued': cal(0.25, evalOf(203), 0.203) } };
    const r = buildLoopReport({ ...inputs(), calibration });
    const c = r.report.calibrated!;
    expect(r.report.ttpaVs.control).toMatchObject({ aWins: 46, bWins: 0 });
    expect(c.ttpaVs.control).toMatchObject({ turns: 1000, aWins: 46, bWins: 42 });
    expect(c.models.control.vsGreedy).toMatchObject({ aWins: 42, bWins: 0 });
    expect(c.models.sft.vsGreedy).toMatchObject({ aWins: 10, bWins: 0 });
    expect(c.ttpaVsByTurn['sft-continued']).toEqual(r.report.ttpaVsByTurn!['sft-continued']);
    expect(Object.keys(c.models)).toEqual(['sft', 'ttpa', 'control', 'sft-continued']);
    expect(c.models.control.ci[0]).toBeLessThanOrEqual(0.185);
    expect(c.models.control.ci[1]).toBeGreaterThanOrEqual(0.185);
    expect(r.markdown).toContain('## At a call-or-answer threshold set on validation (loop.calibrate)');
    expect(r.markdown).toContain('lowest error on 90 validation turns');
    expect(r.markdown).toMatch(/\| control \| -0\.5 \| 30\.0% -> 28\.0% \| 22\.7%, 4 \/ 1 \| 18\.5% \[\d+\.\d%, \d+\.\d%\] \| 2 \/ 3 \| 42 \/ 0, p = 4\.5e-13 \|/);
    expect(r.markdown).toContain('| sft (origin) | -1 |');
    expect(r.markdown).toMatch(/\| control \| 46 \/ 42, p = 0\.749 \| 200 turns: .* \| 800 turns: .* \| 200 turns: .* \|/);
    // without calibrations nothing of it
    expect(buildLoopReport(inputs()).report.calibrated).toBeUndefined();
    expect(buildLoopReport(inputs()).markdown).not.toContain('loop.calibrate');
    expect(() => buildLoopReport({ ...inputs(), calibration: { base: 'sft', models: { sft: calibration.models.sft, ttpa: calibration.models.ttpa } } })).toThrow('no calibration for control');
  });

  it('refuses a subset without TTPA, naming the arms', () => {
    expect(() => buildLoopReport(inputs(['control', 'sft-continued'] as never))).toThrow('arms control, sft-continued lack it');
  });
});
