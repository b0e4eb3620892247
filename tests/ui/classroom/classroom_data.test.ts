// The classroom's data from the reference bundle: both layouts (several runs; the older single run), the errors
// of a file it cannot read, and the shipped bundle's paired figures against the ones the pipeline's report holds
// (core's McNemar on turns matched by sample and turn, an independent path from the bundle's per-turn strings).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fromReference, fromState } from '../../../src/ui/classroom/classroom_data.ts';
import { buildReport, type TurnRecord } from '../../../src/core/scoring/evaluate.ts';
import { headroomText, type EvalHeadroom } from '../../../src/ui/eval_headroom.ts';
import type { AppState } from '../../../src/ui/state.ts';
import { wilsonInterval } from '../../../src/ui/classroom/intervals.ts';
import { REPO } from '../../browser/harness.ts';
import { bundleOf, loopRun, singleRunBundle } from './bundles.ts';

describe('fromReference', () => {
  test('a bundle of several runs: one run view per seed in order, the loop start first, the report\'s intervals', () => {
    const data = fromReference(bundleOf([loopRun(1, '1100', '1110', 1), loopRun(2, '1010', '1010', 0)]));
    expect(data.source).toBe('Reference run: preset hand, seeds 1, 2, 2-round loop, 1.0–2.0 min of stage time per seed on the CLI (wasm); details of seed 1.');
    expect(data.runs.map((r) => [r.seed, r.headline, r.arms.map((a) => a.key)])).toEqual([[1, 'ttpa', ['sft', 'ttpa']], [2, 'ttpa', ['sft', 'ttpa']]]);
    const [start, ttpa] = data.runs[0].arms;
    expect(start).toMatchObject({ errorRate: 0.5, interval: [0.4, 0.6], intervalMethod: 'bootstrap', vsFirst: undefined });
    // 1100 -> 1110: one turn fixed of four, -25 pt; exact McNemar of 1 against 0 is p = 1.
    expect(ttpa.vsFirst).toMatchObject({ fixed: 1, broken: 0, n: 4, p: 1 });
    expect(ttpa.vsFirst!.change).toBeCloseTo(-0.25, 12);
    expect(data.seeds?.rows.map((r) => r.seed)).toEqual([1, 2]);
    expect(data.runs[0].curves).toEqual([{ label: 'TTPA (token-level DPO)', points: [{ step: 1, loss: 0.69, kl: 0 }] }]);
  });

  test('an older single-run bundle still loads: Wilson intervals, paired change from its per-turn objects, no seeds', () => {
    const data = fromReference(singleRunBundle('1100110011', '1110110011'));
    expect(data.source).toBe('Reference run: preset demo, seed 1, 2.0 min of stage time on the CLI (wasm); details recomputed on the first 8 train samples.');
    expect(data.runs).toHaveLength(1);
    expect(data.seeds).toBeUndefined();
    const [sft, token] = data.runs[0].arms;
    expect(sft).toMatchObject({ key: 'sft', intervalMethod: 'Wilson', interval: wilsonInterval(4, 10) });
    expect(data.runs[0].headline).toBe('token');
    expect(token.vsFirst).toMatchObject({ fixed: 1, broken: 0, n: 10 });
  });

  test('a loop run\'s goal note states the whole goal and counts the arms not run, even where an older report said "met"', () => {
    const withGoal = (goal: object, continued?: string) => { const r = loopRun(1, '1100', '1110', 1, continued); return { ...r, report: { ...r.report, goal } }; };
    // An older report: goal.met true with only TTPA and continued SFT run (no armsNotRun field).
    const old = fromReference(bundleOf([withGoal({ met: true, relativeErrorReduction: 0.4, target: 0.3, beatsEveryArm: true }, '1100')]));
    expect(old.runs[0].notes).toEqual(["The project's goal (TTPA cuts the start's error rate by 30% relative and beats every other arm with p < 0.05) is not met in this run: relative change 40.0%; beats the arms run with p < 0.05: yes; not run: the control, RFT, sequence DPO."]);
    const all = { met: true, relativeErrorReduction: 0.35, target: 0.3, beatsEveryArm: true, armsNotRun: [] };
    expect(fromReference(bundleOf([withGoal(all)])).runs[0].notes[0]).toBe("The project's goal (TTPA cuts the start's error rate by 30% relative and beats every other arm with p < 0.05) is met in this run: relative change 35.0%; beats every arm with p < 0.05: yes.");
    expect(fromReference(bundleOf([withGoal({ ...all, met: false, beatsEveryArm: false, armsNotRun: ['rft'] })])).runs[0].notes[0]).toContain('is not met in this run: relative change 35.0%; beats the arms run with p < 0.05: no; not run: RFT.');
  });

  test("a loop run with pass@k rows says what the models can still sample and whether the term changed it (seed 3's stored run)", () => {
    const stored = JSON.parse(readFileSync(join(REPO, 'models/sweeps/fresh_calls_full_k6_seed3.runs.json'), 'utf8'));
    const data = fromReference({ ...stored, teaching: { note: 'no details', details: [], samples: [] } });
    // the report's rows: 421 turns; TTPA wrong on 87, 21 of them reachable; against continued SFT 8 / 8 (p = 1)
    expect(data.runs[0].notes[1]).toBe('What the models can still sample (pass@8: one of 8 samples at temperature 0.7 right, on 421 test turns): '
      + 'the start model 67.9%, the warm-up model 75.8%, TTPA 84.3%, the control 83.4%, continued SFT 84.3%. '
      + "Of the 87 turns TTPA gets wrong, its own samples get 21 right; the rest need the ground truth as the target. "
      + "TTPA's samples reach 8 turns continued SFT's do not, and miss 8 it reaches (p = 1.00): the preference term did not measurably change what the model can sample.");
    // without the rows, no such note
    const [run] = stored.runs;
    const { headroomAfter: _, ...older } = run.report;
    expect(fromReference({ ...stored, runs: [{ ...run, report: older }], teaching: { note: 'x', details: [], samples: [] } }).runs[0].notes.some((n: string) => n.startsWith('What the models can still sample'))).toBe(false);
  });

  test("the bundler's caveat comes through as written; a bundle without one has none; one that is not text is refused", () => {
    expect(fromReference({ ...bundleOf([loopRun(1, '10', '10', 0)]), caveat: 'Measured later: read it with care.' }).caveat).toBe('Measured later: read it with care.');
    expect(fromReference(bundleOf([loopRun(1, '10', '10', 0)])).caveat).toBeUndefined();
    expect(() => fromReference({ ...bundleOf([loopRun(1, '10', '10', 0)]), caveat: 3 })).toThrow("the reference bundle's caveat must be text, got number");
  });

  test('a file it cannot read says what is wrong and how to rebuild it', () => {
    expect(() => fromReference(null)).toThrow('the reference bundle is not a JSON object; rebuild it with node scripts/bundle_reference.mjs');
    expect(() => fromReference({ format: 'ttpa-reference/9', runs: [] })).toThrow("format 'ttpa-reference/9', this app reads 'ttpa-reference/2'");
    expect(() => fromReference({ details: [] })).toThrow('holds no runs (neither runs[] nor a single run\'s report)');
    const bad = bundleOf([loopRun(1, '10', '10', 0)]);
    expect(() => fromReference({ ...bad, runs: [...bad.runs, { report: {} }] })).toThrow("runs[1] has no report.arms");
    expect(() => fromReference({ ...bad, teaching: undefined })).toThrow('no teaching details');
  });
});

describe('the shipped reference bundle (public/reference/run.json)', () => {
  const raw = JSON.parse(readFileSync(join(REPO, 'public/reference/run.json'), 'utf8')) as {
    runs: { report: { seed: number; arms: { ttpa: { vsStart: { turns: number; aWins: number; bWins: number; p: number } } }; ttpaVs: Record<string, { turns: number; aWins: number; bWins: number }> } }[];
  };
  const data = fromReference(raw);

  test('says, above its numbers, that it predates the pinned anchor dose, where the preference term adds nothing measurable', () => {
    // The bundled runs are at the auto dose (about 1 anchor sample a pair); fresh-calls-full now pins 6.
    const doses = raw.runs.map((r) => (r.report as unknown as { config: { dpo: { anchorPerPair?: unknown } } }).config.dpo.anchorPerPair);
    const pinned = JSON.parse(readFileSync(join(REPO, 'models/presets/fresh-calls-full.json'), 'utf8')).dpo.anchorPerPair;
    if (doses.every((d) => d === pinned)) return; // a rebundle at the pinned dose needs no caveat about it
    expect(data.caveat).toMatch(/old, lower anchor dose/);
    expect(data.caveat).toContain(`${pinned} ground-truth samples a pair`);
  });

  test('holds every seed it was built from, three at least, each with TTPA against the start', () => {
    expect(data.runs.length).toBeGreaterThanOrEqual(3);
    expect(data.runs.map((r) => r.seed)).toEqual(raw.runs.map((r) => r.report.seed));
    expect(data.details.length).toBeGreaterThan(0);
  });

  test('each seed\'s fixed / broken / p is the pipeline report\'s TTPA vs start, and the pooled line adds them up', () => {
    raw.runs.forEach((r, i) => {
      const vs = data.runs[i].arms.find((a) => a.key === 'ttpa')!.vsFirst!;
      const expected = r.report.arms.ttpa.vsStart;
      expect([vs.n, vs.fixed, vs.broken]).toEqual([expected.turns, expected.aWins, expected.bWins]);
      expect(vs.p).toBeCloseTo(expected.p, 10);
    });
    const fixed = raw.runs.reduce((s, r) => s + r.report.arms.ttpa.vsStart.aWins, 0);
    const broken = raw.runs.reduce((s, r) => s + r.report.arms.ttpa.vsStart.bWins, 0);
    expect(data.seeds!.line).toContain(`${fixed.toLocaleString('en-US')} turns fixed, ${broken.toLocaleString('en-US')} broken`);
    const fewer = raw.runs.filter((r) => r.report.arms.ttpa.vsStart.aWins > r.report.arms.ttpa.vsStart.bWins).length;
    expect(data.seeds!.line).toMatch(new RegExp(`^TTPA had fewer test errors than the start model on ${fewer} of ${raw.runs.length} seeds`));
  });

  test('TTPA against continued SFT (the preference term\'s part) is the reports\' own paired test, added up over the seeds', () => {
    raw.runs.forEach((r, i) => {
      const own = r.report.ttpaVs['sft-continued'];
      expect([data.runs[i].control!.vs.n, data.runs[i].control!.vs.fixed, data.runs[i].control!.vs.broken]).toEqual([own.turns, own.aWins, own.bWins]);
    });
    const fixed = raw.runs.reduce((s, r) => s + r.report.ttpaVs['sft-continued'].aWins, 0);
    const broken = raw.runs.reduce((s, r) => s + r.report.ttpaVs['sft-continued'].bWins, 0);
    expect(data.seeds!.line).toContain(`What the preference term adds, TTPA against continued SFT over all ${raw.runs.length} seeds: ${fixed.toLocaleString('en-US')} turns fixed, ${broken.toLocaleString('en-US')} broken`);
  });
});

describe('fromState', () => {
  test("the app's run: Evaluate's notes, and its headroom line when pass@k was measured", () => {
    const turn = (i: number, exact: boolean): TurnRecord => ({
      sampleId: `s${i}`, turn: 1, category: 'single', domains: [], expected: [], text: '', predicted: [], exact, esm: exact ? 1 : 0.5,
      parts: { name: 1, required: 1, key: 1, type: 1, value: 1 }, formatValid: true, noCallDue: false, errors: [],
    });
    const report = buildReport(1, [turn(0, true), turn(1, false)]);
    const passAtK = { k: 4, temperature: 0.7, turns: 2, passAtK: 1, passAt1: 0.5, skipped: 0, sampleIds: ['s0', 's1'], perTurn: [{ sampleId: 's0', turn: 1, exact: 4 }, { sampleId: 's1', turn: 1, exact: 1 }] };
    const headroom: EvalHeadroom = { k: 4, temperature: 0.7, models: [{ name: 'current', passAtK, row: { turns: 2, passAtK: 1, passAt1: 0.5, greedy: 0.5, greedyWrong: 1, reachable: 1 } }] };
    const state = (h?: EvalHeadroom) => ({ stages: { evaluate: { status: 'done' } }, evaluation: { config: {}, reports: [{ name: 'current', report }], notes: ['a note'], ...(h ? { headroom: h } : {}) } }) as unknown as AppState;
    // the figures first (the Classroom has no table), then Evaluate's line; 2 of 2 reach: Wilson 34.2%-100.0%
    expect(fromState(state(headroom))!.runs[0].notes).toEqual(['a note', `pass@4 at temperature 0.7: current 100.0% (34.2%-100.0%) against 50.0% greedy exact, 1 of 1 greedy-wrong turns with an exact sample. ${headroomText(headroom)}`]);
    expect(headroomText(headroom)).toMatch(/^Each model sampled 4 times a turn at temperature 0\.7 on 2 test turns\./);
    expect(fromState(state())!.runs[0].notes).toEqual(['a note']);
  });
});
