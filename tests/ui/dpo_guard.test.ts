// The runaway checks on hand-made numbers: KL over the limit at any step, and a rise of the no_call rate
// after DPO of more than 10 points (the default panel's lr 1e-3 took the shipped model from 0% to 20%).
import { expect, test } from 'vitest';
import type { EvalReport } from '../../src/protocol.ts';
import { KL_LIMIT, klRunaway, refusalRunaway } from '../../src/ui/dpo_guard.ts';

const report = (noCall: number): EvalReport => ({ overall: { errorRates: { no_call: noCall } } }) as unknown as EvalReport;

const points = (klChosen: number[], kl: number[] = klChosen.map(() => 0)) => klChosen.map((c, i) => ({ step: i + 1, kl: kl[i], 'kl/chosen': c }));

test('KL on the chosen side: the tuned classroom run passes however far its rejected side falls; a sustained rise is named', () => {
  expect(klRunaway(points([0.01, 0.15]))).toBeUndefined();
  // The classroom preset in the app (phase-8 default), steps 24-35: the chosen side under 0.11 while both sides read
  // 7.1 as a 5-step median (the rejected side pushed down on purpose). Judged on both sides it raised this banner.
  const klc = [0.022, 0.033, 0.052, 0.023, 0.046, 0.030, 0.051, 0.026, 0.027, 0.101, 0.038, 0.058];
  const both = [0.79, 0.33, 1.85, 9.23, 7.08, 0.46, 24.31, 0.33, 0.05, 29.39, 0.61, 41.49];
  expect(klRunaway(points(klc, both))).toBeUndefined();
  // The same pairs at lr 1e-3, steps 8-17: over the limit from step 12 (median of 0.42, 178.65, 1.08, 0.34, 1.52).
  expect(klRunaway(points([0.42, 178.65, 1.08, 0.34, 1.52, 21.3, 8.85, 0.98, 1.66, 5.28]))).toMatch(/on the chosen \(right\) completions was 5.28 nats per token \(median of the 5 steps to step 10/);
  expect(klRunaway(points([0.3, 0.2, 516.5, 0.8, 0.3]))).toBeUndefined(); // one batch does not alarm
  expect(klRunaway(points([KL_LIMIT]))).toBeUndefined();
  // Runs saved before kl/chosen was logged are not judged on their both-sides kl.
  expect(klRunaway([{ step: 1, kl: 50 }, { step: 2, kl: 60 }])).toBeUndefined();
  expect(klRunaway([{ step: 1, loss: 0.7 }])).toBeUndefined();
});

test('refusals: 0% -> 20% no_call is a runaway, 0% -> 5% is not', () => {
  expect(refusalRunaway(report(0), report(0.2))).toMatch(/20\.0% of turns \(before: 0\.0%\)/);
  expect(refusalRunaway(report(0), report(0.05))).toBeUndefined();
  expect(refusalRunaway(report(0.3), report(0.1))).toBeUndefined();
});
