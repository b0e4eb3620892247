// The runaway checks on hand-made numbers: KL over the limit at any step, and a rise of the no_call rate
// after DPO of more than 10 points (the default panel's lr 1e-3 took the shipped model from 0% to 20%).
import { expect, test } from 'vitest';
import type { EvalReport } from '../../src/protocol.ts';
import { KL_LIMIT, klRunaway, refusalRunaway } from '../../src/ui/dpo_guard.ts';

const report = (noCall: number): EvalReport => ({ overall: { errorRates: { no_call: noCall } } }) as unknown as EvalReport;

test('KL: the tuned run (<= 0.15) passes; the worst step over the limit is named', () => {
  expect(klRunaway([{ step: 1, kl: 0.01 }, { step: 2, kl: 0.15 }])).toBeUndefined();
  expect(klRunaway([{ step: 1, kl: 0.5 }, { step: 7, kl: 960 }, { step: 8, kl: 12 }])).toMatch(/reached 960 nats per token at step 7/);
  expect(klRunaway([{ step: 1, kl: KL_LIMIT }])).toBeUndefined();
  expect(klRunaway([{ step: 1, loss: 0.7 }])).toBeUndefined();
});

test('refusals: 0% -> 20% no_call is a runaway, 0% -> 5% is not', () => {
  expect(refusalRunaway(report(0), report(0.2))).toMatch(/20\.0% of turns \(before: 0\.0%\)/);
  expect(refusalRunaway(report(0), report(0.05))).toBeUndefined();
  expect(refusalRunaway(report(0.3), report(0.1))).toBeUndefined();
});
