// The runaway checks on hand-made numbers: KL over the limit at any step, and a rise of the no_call rate
// after DPO of more than 10 points (the default panel's lr 1e-3 took the shipped model from 0% to 20%).
import { expect, test } from 'vitest';
import type { EvalReport } from '../../src/protocol.ts';
import { KL_LIMIT, klRunaway, refusalRunaway } from '../../src/ui/dpo_guard.ts';

const report = (noCall: number): EvalReport => ({ overall: { errorRates: { no_call: noCall } } }) as unknown as EvalReport;

test('KL: the tuned runs pass, a one-batch spike does not alarm, a sustained KL over the limit is named', () => {
  expect(klRunaway([{ step: 1, kl: 0.01 }, { step: 2, kl: 0.15 }])).toBeUndefined();
  // The classroom preset in the app: one batch at 2.27 among values around 0.1-0.5.
  expect(klRunaway([0.1, 0.3, 0.2, 2.27, 0.4, 0.1].map((kl, i) => ({ step: i + 1, kl })))).toBeUndefined();
  // Worst 5-step mean: steps 3-7, (1 + 2 + 960 + 12 + 3) / 5 = 195.6 (steps 4-8 tie; the first is named).
  expect(klRunaway([0.3, 0.2, 516.5, 0.8, 0.3].map((kl, i) => ({ step: i + 1, kl })))).toBeUndefined(); // the CLI demo's one-batch spike
  expect(klRunaway([0.5, 1, 1, 2, 960, 12, 3, 1].map((kl, i) => ({ step: i + 1, kl })))).toMatch(/was 3.00 nats per token \(median of the 5 steps to step 7/);
  expect(klRunaway([{ step: 1, kl: KL_LIMIT }])).toBeUndefined();
  expect(klRunaway([{ step: 1, loss: 0.7 }])).toBeUndefined();
});

test('refusals: 0% -> 20% no_call is a runaway, 0% -> 5% is not', () => {
  expect(refusalRunaway(report(0), report(0.2))).toMatch(/20\.0% of turns \(before: 0\.0%\)/);
  expect(refusalRunaway(report(0), report(0.05))).toBeUndefined();
  expect(refusalRunaway(report(0.3), report(0.1))).toBeUndefined();
});
