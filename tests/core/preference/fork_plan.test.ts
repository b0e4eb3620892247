import { describe, expect, it } from 'vitest';
import { resolvePreferenceConfig } from '../../../src/core/preference/config.ts';
import { planForks } from '../../../src/core/preference/fork_plan.ts';
import type { BranchRequest } from '../../../src/core/preference/branching.ts';
import type { DecodedStep } from '../../../src/core/preference/trajectory.ts';
import { buildTurnContext } from '../../../src/core/preference/turn_context.ts';
import { SAMPLES, testTokenizer } from './fixture.ts';

// No model: the base is the ground truth's own tokens, with the top-1 probability chosen per step.
const tok = testTokenizer();
const ctx = buildTurnContext(tok, SAMPLES[0], 1); // <tool_call>{"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}</tool_call>
const ids = tok.encode(ctx.truthText + ctx.eosText);
const ends = ids.map((_, i) => tok.decode(ids.slice(0, i + 1)).length);
const tokenAt = (char: number): number => ends.findIndex((e) => e > char);
const valueStep = tokenAt(ctx.truthText.indexOf('Paris'));
const formatStep = tokenAt(ctx.truthText.indexOf('}}</tool_call>') + 1);
const closeStep = tokenAt(ctx.truthText.indexOf('</tool_call>'));

/** The base with top-1 `top1[t]` at the listed steps (one alternative each), 0.99 elsewhere. */
const stepsWith = (top1: Record<number, number>): DecodedStep[] => ids.map((id, t) => ({
  id, logprob: 0, alternatives: t in top1 ? [{ id, prob: top1[t] }, { id: (id + 1) % tok.vocabSize, prob: 0.8 * top1[t] }] : [{ id, prob: 0.99 }],
}));

/** Drives the plan over `steps`: the rows forked and dropped at each step. */
function drive(steps: DecodedStep[], overrides: Record<string, unknown>, final: BranchRequest[]) {
  const plan = planForks(tok, ctx, resolvePreferenceConfig(overrides), 100, () => final);
  return steps.map((step, t) => {
    const forks = plan.choose(t, step);
    const rev = plan.revise(t, t === steps.length - 1);
    return { forks, ...rev };
  });
}

describe('planForks', () => {
  it('keeps a row of unknown span until its call closes, then drops it if its span is not allowed', () => {
    expect(valueStep).toBeLessThan(formatStep);
    expect(formatStep).toBeLessThan(closeStep);
    // The format step is more uncertain, so while its span is unknown it may take the whole budget of one.
    const steps = stepsWith({ [valueStep]: 0.5, [formatStep]: 0.4 });
    const final = [{ index: valueStep, forcedToken: steps[valueStep].alternatives[1].id, budget: 7 }];
    const log = drive(steps, { maxBranchesPerPrompt: 1 }, final);
    expect(log[valueStep].forks).toEqual([{ forcedToken: final[0].forcedToken, seed: 100 + valueStep * 2 }]);
    expect(log[formatStep].forks).toHaveLength(1);
    expect(log.flatMap((l, t) => l.drop.map((r) => [t, r]))).toEqual([[closeStep, 1]]); // row 1 (format) at the close, row 0 never
    expect(log[ids.length - 1].budgets).toEqual([[0, 7]]);
  });

  it('with spans known at once, a later and more uncertain step displaces an earlier one from the budget', () => {
    const steps = stepsWith({ [valueStep]: 0.5, [formatStep]: 0.4 });
    const final = [{ index: formatStep, forcedToken: steps[formatStep].alternatives[1].id }];
    const log = drive(steps, { maxBranchesPerPrompt: 1, spans: [] }, final);
    expect(log.flatMap((l, t) => l.drop.map((r) => [t, r]))).toEqual([[formatStep, 0]]);
    // Known to be in, the earlier step's point now caps a later, less uncertain one at zero rows.
    const capped = drive(stepsWith({ [valueStep]: 0.4, [formatStep]: 0.5 }), { maxBranchesPerPrompt: 1, spans: [] }, []);
    expect(capped[formatStep].forks).toEqual([]);
  });

  it('refuses to finish when the final choice names a branch it did not fork', () => {
    const steps = stepsWith({ [valueStep]: 0.5 });
    expect(() => drive(steps, {}, [{ index: formatStep, forcedToken: 1 }])).toThrow(`the branch at step ${formatStep} was not forked`);
  });
});
