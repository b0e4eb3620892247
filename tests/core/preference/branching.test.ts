import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/runtime/tf.ts';
import { renderConversation } from '../../../src/core/data/chat_format.ts';
import type { Model } from '../../../src/core/model/params.ts';
import { generate } from '../../../src/core/model/sampling.ts';
import { decodeWithBranches, runBranches, type BranchOptions, type BranchRequest } from '../../../src/core/preference/branching.ts';
import { decodeTrajectory, type DecodedTrajectory } from '../../../src/core/preference/trajectory.ts';
import { forwardLogprobs } from '../../../src/core/preference/turn_context.ts';
import { SAMPLES, randomModel, testTokenizer, useWasm } from './fixture.ts';

let model: Model;
let promptIds: number[];
const N = 10;
beforeAll(async () => {
  await useWasm();
  model = randomModel(7);
  promptIds = testTokenizer().encode(renderConversation(SAMPLES[0].messages.slice(0, 1), SAMPLES[0].tools, { addGenerationPrompt: true }));
});

const decode = (temperature: number, seed = 5): Promise<DecodedTrajectory> => decodeTrajectory(model, promptIds, {
  maxNewTokens: N, temperature, topK: 0, topP: 1, seed, stopTokenId: -1, recordTopK: 4, keepLogp: () => true,
});
const options = (reusePrefix: boolean, temperature = 0): BranchOptions => ({ maxNewTokens: N, temperature, topK: 0, topP: 1, seed: 11, stopTokenId: -1, reusePrefix });
// Alternatives (not the base token) at three different depths, two at one of them: one padded batch.
const requestsFor = (base: DecodedTrajectory): BranchRequest[] => [[1, 1], [4, 1], [4, 2], [8, 3]].map(([index, alt]) => ({ index, forcedToken: base.steps[index].alternatives.filter((a) => a.id !== base.steps[index].id)[alt - 1].id }));

describe('base trajectory', () => {
  it('decodes what generate decodes, with the same log-probs and recorded alternatives', async () => {
    for (const temperature of [0, 1]) {
      const base = await decode(temperature);
      const ref = await generate(model, promptIds, { maxNewTokens: N, temperature, seed: 5, recordTopK: 4 });
      base.cache.dispose();
      expect(base.steps.map((s) => s.id)).toEqual(ref.tokens);
      base.steps.forEach((s, t) => {
        expect(s.logprob).toBeCloseTo(ref.steps[t].logprob, 5);
        expect(s.alternatives.map((a) => a.id)).toEqual(ref.steps[t].alternatives.map((a) => a.token));
      });
    }
  });
});

describe('runBranches', () => {
  it('forced-token branches start with the forced token and keep the exact prefix', async () => {
    const base = await decode(0);
    const requests = requestsFor(base);
    const runs = await runBranches(model, promptIds, base, requests, options(true));
    base.cache.dispose();
    runs.forEach((run, i) => {
      expect(run.ids[0]).toBe(requests[i].forcedToken);
      expect(run.ids[0]).not.toBe(base.steps[run.index].id);
      expect(run.ids.length).toBe(N - run.index);
    });
  });

  it('branch log-probs equal a full forward over prompt + prefix + branch (1e-4)', async () => {
    for (const temperature of [0, 1]) {
      const base = await decode(0);
      const runs = await runBranches(model, promptIds, base, requestsFor(base), options(true, temperature));
      for (const run of runs) {
        const prefix = [...promptIds, ...base.steps.slice(0, run.index).map((s) => s.id)];
        const full = forwardLogprobs(model, prefix, run.ids);
        run.logprobs.forEach((lp, t) => expect(Math.abs(lp - full[t])).toBeLessThan(1e-4));
      }
      base.cache.dispose();
    }
  });

  it('prefix reuse and re-encoding from scratch give the same branches', async () => {
    for (const temperature of [0, 1]) {
      const base = await decode(0);
      const reuse = await runBranches(model, promptIds, base, requestsFor(base), options(true, temperature));
      const naive = await runBranches(model, promptIds, base, requestsFor(base), options(false, temperature));
      base.cache.dispose();
      expect(reuse.map((r) => r.ids)).toEqual(naive.map((r) => r.ids));
      reuse.forEach((r, i) => r.logprobs.forEach((lp, t) => expect(lp).toBeCloseTo(naive[i].logprobs[t], 4)));
    }
  });

  it('honours per-branch budgets the same way in both paths', async () => {
    const base = await decode(0);
    const requests = requestsFor(base).map((r, i) => ({ ...r, budget: [2, 3, 9, 1][i] }));
    const reuse = await runBranches(model, promptIds, base, requests, options(true, 1));
    const naive = await runBranches(model, promptIds, base, requests, options(false, 1));
    base.cache.dispose();
    expect(reuse.map((r) => r.ids.length)).toEqual([2, 3, Math.min(9, N - 4), 1]);
    expect(reuse.map((r) => r.ids)).toEqual(naive.map((r) => r.ids));
  });

  it('leaks no tensors', async () => {
    const once = async (): Promise<void> => {
      const base = await decode(1);
      await runBranches(model, promptIds, base, requestsFor(base), options(true, 1));
      base.cache.dispose();
    };
    await once();
    const before = tf.memory().numTensors;
    await once();
    await once();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('decodeWithBranches', () => {
  const decodeOpts = (temperature: number, stopTokenId = -1) => ({ maxNewTokens: N, temperature, topK: 0, topP: 1, seed: 5, stopTokenId, recordTopK: 4, keepLogp: () => true });
  // requestsFor's branches, chosen step by step (index order, so the r-th chosen is request r).
  const along = (temperature: number, requests: BranchRequest[], stopTokenId = -1) => decodeWithBranches(model, promptIds, decodeOpts(0, stopTokenId),
    (t) => requests.filter((q) => q.index === t).map(({ forcedToken, budget }) => ({ forcedToken, budget })),
    { maxNewTokens: N, temperature, topK: 0, topP: 1, seed: 11, stopTokenId });

  it('gives decodeTrajectory then runBranches (either path): same base, same branches, same log-probs', async () => {
    for (const temperature of [0, 1]) {
      const base = await decode(0);
      const requests = requestsFor(base).map((r, i) => ({ ...r, budget: [2, 9, 3, 9][i] }));
      const reuse = await runBranches(model, promptIds, base, requests, options(true, temperature));
      const naive = await runBranches(model, promptIds, base, requests, options(false, temperature));
      const got = await along(temperature, requests);
      base.cache.dispose();
      expect(got.base.steps.map((s) => s.id)).toEqual(base.steps.map((s) => s.id));
      got.base.steps.forEach((s, t) => {
        expect(s.logprob).toBeCloseTo(base.steps[t].logprob, 5);
        expect(s.alternatives.map((a) => a.id)).toEqual(base.steps[t].alternatives.map((a) => a.id));
      });
      expect([...got.base.logpAt.keys()]).toEqual([...base.logpAt.keys()]);
      expect(got.runs.map((r) => [r.index, r.forcedToken, r.stoppedBy])).toEqual(reuse.map((r) => [r.index, r.forcedToken, r.stoppedBy]));
      expect(got.runs.map((r) => r.ids)).toEqual(reuse.map((r) => r.ids));
      expect(got.runs.map((r) => r.ids)).toEqual(naive.map((r) => r.ids));
      got.runs.forEach((r, i) => r.logprobs.forEach((lp, t) => expect(Math.abs(lp - naive[i].logprobs[t])).toBeLessThan(1e-4)));
      for (const run of got.runs) {
        const full = forwardLogprobs(model, [...promptIds, ...base.steps.slice(0, run.index).map((s) => s.id)], run.ids);
        run.logprobs.forEach((lp, t) => expect(Math.abs(lp - full[t])).toBeLessThan(1e-4));
      }
    }
  });

  it('narrows a forked superset with revise: dropped rows leave, lowered budgets cut, the rest as runBranches', async () => {
    const base = await decode(0);
    const requests = requestsFor(base); // indices 1, 4, 4, 8
    const alts = (index: number) => base.steps[index].alternatives.filter((a) => a.id !== base.steps[index].id);
    // Fork two extra rows (at 2 and 4) that are dropped later, and lower the first kept row's budget at the end.
    const superset = [requests[0], { index: 2, forcedToken: alts(2)[0].id }, requests[1], requests[2], { index: 4, forcedToken: alts(4)[2].id }, requests[3]];
    const kept = [requests[0], requests[1], { ...requests[2], budget: 3 }, requests[3]];
    const reuse = await runBranches(model, promptIds, base, kept, options(true));
    base.cache.dispose();
    const before = tf.memory().numTensors;
    const got = await decodeWithBranches(model, promptIds, decodeOpts(0), (t) => superset.filter((q) => q.index === t).map(({ forcedToken }) => ({ forcedToken })),
      { maxNewTokens: N, temperature: 0, topK: 0, topP: 1, seed: 11, stopTokenId: -1 },
      (t, ended) => ({ drop: t === 5 ? [1] : t === 6 ? [4] : [], budgets: ended ? [[3, 3]] : [] }));
    expect(tf.memory().numTensors).toBe(before);
    expect(got.runs.map((r) => [r.index, r.forcedToken, r.ids.length])).toEqual(reuse.map((r) => [r.index, r.forcedToken, r.ids.length]));
    expect(got.runs.map((r) => r.ids)).toEqual(reuse.map((r) => r.ids));
    expect(got.runs[2].ids).toHaveLength(3); // cut back to its new budget: it had run to the end of the base
    got.runs.forEach((r, i) => r.logprobs.forEach((lp, t) => expect(Math.abs(lp - reuse[i].logprobs[t])).toBeLessThan(1e-4)));
  });

  it('stops the base at its stop token and still finishes branches forked there; no tensor leak', async () => {
    const base = await decode(0);
    const stop = base.steps[6].id; // the base stops at its first occurrence of this token
    const stopAt = base.steps.findIndex((s) => s.id === stop);
    base.cache.dispose();
    const requests = [0, stopAt].map((index) => ({ index, forcedToken: base.steps[index].alternatives.filter((a) => a.id !== stop)[0].id }));
    const before = tf.memory().numTensors;
    const got = await along(0, requests, stop);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.base.stoppedBy).toBe('stop_token');
    expect(got.base.steps.length).toBe(stopAt + 1);
    expect(got.runs.map((r) => r.index)).toEqual([0, stopAt]);
    for (const run of got.runs) {
      expect(run.ids[0]).toBe(run.forcedToken);
      expect(run.stoppedBy === 'stop_token' ? run.ids.at(-1) : run.ids.length).toBe(run.stoppedBy === 'stop_token' ? stop : N - run.index);
    }
  });
});
