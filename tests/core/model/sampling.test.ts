import { beforeAll, describe, expect, it } from 'vitest';
import { prefill } from '../../../src/core/model/decode.ts';
import { forward } from '../../../src/core/model/model.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { continueFromCache, generate, generateBatch, pickToken, topIndices, type SampleOptions } from '../../../src/core/model/sampling.ts';
import { createRng } from '../../../src/core/rng.ts';
import { ids2d, tf, tinyModel, useBackend } from './helpers.ts';

beforeAll(() => useBackend('wasm'));

const PROMPT = [3, 14, 15, 9, 26];
const greedy: SampleOptions = { maxNewTokens: 8, temperature: 0, seed: 0 };

describe('generate', () => {
  it('greedy is the argmax of the full forward pass, step by step, and deterministic', async () => {
    const m = tinyModel('tiny');
    const res = await generate(m, PROMPT, greedy);
    expect(res.tokens).toHaveLength(8);
    expect(res.stoppedBy).toBe('length');
    const seq = PROMPT.slice();
    for (const step of res.steps) {
      const lp = tf.tidy(() => tf.slice(tf.logSoftmax(forward(m, ids2d([seq]))), [0, seq.length - 1, 0], [1, 1, -1]).dataSync() as Float32Array);
      expect(step.token).toBe(topIndices(lp, 1)[0]);
      expect(step.logprob).toBeCloseTo(lp[step.token], 4);
      seq.push(step.token);
    }
    expect((await generate(m, PROMPT, greedy)).tokens).toEqual(res.tokens);
    disposeModel(m);
  });

  it('same seed gives the same tokens, topK=1 equals greedy, alternatives are sorted', async () => {
    const m = tinyModel('tiny-gpt2');
    const opts: SampleOptions = { maxNewTokens: 10, temperature: 1.5, topP: 0.95, seed: 42, recordTopK: 4 };
    const a = await generate(m, PROMPT, opts);
    const b = await generate(m, PROMPT, opts);
    const c = await generate(m, PROMPT, { ...opts, seed: 43 });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
    expect((await generate(m, PROMPT, { ...opts, topK: 1, topP: undefined })).tokens).toEqual((await generate(m, PROMPT, { ...greedy, maxNewTokens: 10 })).tokens);
    for (const s of a.steps) {
      expect(s.alternatives).toHaveLength(4);
      for (let i = 1; i < 4; i++) expect(s.alternatives[i - 1].logprob).toBeGreaterThanOrEqual(s.alternatives[i].logprob);
      const hit = s.alternatives.find((alt) => alt.token === s.token);
      if (hit) expect(hit.logprob).toBe(s.logprob);
      else expect(s.logprob).toBeLessThanOrEqual(s.alternatives[3].logprob);
    }
    disposeModel(m);
  });

  it('honours stop tokens, stop strings and forced prefixes', async () => {
    const m = tinyModel('tiny');
    const free = await generate(m, PROMPT, greedy);
    const stopAt = free.tokens[3];
    const firstHit = free.tokens.indexOf(stopAt);
    const stopped = await generate(m, PROMPT, { ...greedy, stopTokenIds: [stopAt] });
    expect(stopped.stoppedBy).toBe('stop_token');
    expect(stopped.tokens).toEqual(free.tokens.slice(0, firstHit + 1));
    const decode = (ids: number[]): string => ids.map((t) => `<${t}>`).join('');
    const byString = await generate(m, PROMPT, { ...greedy, stopStrings: [`<${free.tokens[1]}>`], decode });
    expect(byString.stoppedBy).toBe('stop_string');
    expect(byString.tokens.length).toBeLessThanOrEqual(2);
    const forced = await generate(m, PROMPT, { ...greedy, forcedPrefix: [1, 2] });
    expect(forced.tokens.slice(0, 2)).toEqual([1, 2]);
    expect(forced.tokens.slice(2)).toEqual((await generate(m, [...PROMPT, 1, 2], { ...greedy, maxNewTokens: 6 })).tokens);
    disposeModel(m);
  });
});

describe('first-step bias and recorded tokens', () => {
  it('records the asked tokens\' log-probs and shifts only the first pick by the bias', async () => {
    const m = tinyModel('tiny');
    const plain = await generate(m, PROMPT, { ...greedy, recordTopK: 3 });
    const [top, second] = plain.steps[0].alternatives;
    const watch = [second.token, top.token];
    const rec = await generate(m, PROMPT, { ...greedy, recordTokens: watch });
    expect(rec.tokens).toEqual(plain.tokens);
    rec.steps.forEach((s) => expect(s.recorded).toHaveLength(2));
    expect(rec.steps[0].recorded![0]).toBeCloseTo(second.logprob, 5);
    expect(rec.steps[0].recorded![1]).toBeCloseTo(top.logprob, 5);
    // A bias just past the gap makes the runner-up the first token; one just short of it changes nothing.
    const gap = top.logprob - second.logprob;
    const past = await generate(m, PROMPT, { ...greedy, firstStepBias: { token: second.token, bias: gap + 1e-3 } });
    const short = await generate(m, PROMPT, { ...greedy, firstStepBias: { token: second.token, bias: gap - 1e-3 } });
    expect(short.tokens).toEqual(plain.tokens);
    expect(past.tokens[0]).toBe(second.token);
    expect(past.steps[0].logprob).toBeCloseTo(second.logprob, 5); // the policy's own log-prob, not the biased one
    const forced = await generate(m, PROMPT, { ...greedy, forcedPrefix: [second.token] });
    expect(past.tokens).toEqual(forced.tokens); // later steps are plain greedy
    // Infinity forces a token even when sampling; -Infinity forbids it; a forced prefix fills the biased step.
    const rare = [5, 6].find((t) => t !== top.token)!;
    const sampled = await generate(m, PROMPT, { maxNewTokens: 2, temperature: 1, seed: 3, firstStepBias: { token: rare, bias: Infinity } });
    expect(sampled.tokens[0]).toBe(rare);
    expect((await generate(m, PROMPT, { ...greedy, firstStepBias: { token: top.token, bias: -Infinity } })).tokens[0]).toBe(second.token);
    expect((await generate(m, PROMPT, { ...greedy, forcedPrefix: [top.token], firstStepBias: { token: second.token, bias: Infinity } })).tokens).toEqual(plain.tokens);
    disposeModel(m);
  });
});

describe('batched and branched generation', () => {
  it('generateBatch rows equal single generation; continueFromCache equals forcing the token', async () => {
    const m = tinyModel('tiny-qwen2');
    const prompts = [PROMPT, [7, 1], [5, 5, 5, 2]];
    const opts: SampleOptions = { maxNewTokens: 6, temperature: 0.8, topK: 10, seed: 5, stopTokenIds: [0] };
    const batch = await generateBatch(m, prompts, opts);
    for (let r = 0; r < prompts.length; r++) {
      const single = await generate(m, prompts[r], { ...opts, seed: opts.seed + r });
      expect(batch[r].tokens).toEqual(single.tokens);
      expect(batch[r].steps.map((s) => s.logprob)).toEqual(single.steps.map((s) => expect.closeTo(s.logprob, 4)));
    }
    const { logits, cache } = prefill(m, [PROMPT]);
    logits.dispose();
    const before = tf.memory().numTensors;
    const fork = cache.select([0, 0, 0]);
    const branches = await continueFromCache(m, fork, [4, 8, 15], { ...greedy, maxNewTokens: 5 });
    fork.dispose();
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, first] of [4, 8, 15].entries()) {
      const direct = await generate(m, PROMPT, { ...greedy, maxNewTokens: 5, forcedPrefix: [first] });
      expect(branches[i].tokens).toEqual(direct.tokens);
      expect(branches[i].steps[0].logprob).toBeCloseTo(direct.steps[0].logprob, 4);
    }
    cache.dispose();
    disposeModel(m);
  });

  it('gives the same tokens without the KV cache (benchmark baseline)', async () => {
    const m = tinyModel('tiny-gpt2');
    const prompts = [PROMPT, [7, 1]];
    const opts: SampleOptions = { maxNewTokens: 5, temperature: 1, seed: 9 };
    const cached = await generateBatch(m, prompts, opts);
    const uncached = await generateBatch(m, prompts, { ...opts, kvCache: false });
    expect(uncached.map((r) => r.tokens)).toEqual(cached.map((r) => r.tokens));
    disposeModel(m);
  });

  it('leaks no tensors across repeated generation', async () => {
    const m = tinyModel('tiny');
    await generateBatch(m, [PROMPT, [1]], { ...greedy, maxNewTokens: 4 });
    const before = tf.memory().numTensors;
    await generateBatch(m, [PROMPT, [1]], { ...greedy, maxNewTokens: 4, stopTokenIds: [PROMPT[0]] });
    await generate(m, PROMPT, { maxNewTokens: 4, temperature: 1, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    disposeModel(m);
  });
});

describe('pickToken', () => {
  it('samples with the right frequencies under temperature, top-k and top-p', () => {
    const logp = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    const freq = (opts: Parameters<typeof pickToken>[1]): number[] => {
      const rng = createRng(1);
      const counts = [0, 0, 0, 0];
      for (let i = 0; i < 20000; i++) counts[pickToken(logp, opts, rng)]++;
      return counts.map((n) => n / 20000);
    };
    const plain = freq({ temperature: 1 });
    [0.5, 0.3, 0.15, 0.05].forEach((p, i) => expect(plain[i]).toBeCloseTo(p, 1));
    const k2 = freq({ temperature: 1, topK: 2 });
    expect(k2[0]).toBeCloseTo(0.625, 1);
    expect(k2[2] + k2[3]).toBe(0);
    const p = freq({ temperature: 1, topP: 0.7 }); // keeps 0.5 + 0.3
    expect(p[2] + p[3]).toBe(0);
    expect(freq({ temperature: 0 })).toEqual([1, 0, 0, 0]);
    expect(topIndices(Float32Array.from([1, 3, 3, 2]), 3)).toEqual([1, 2, 3]);
  });
});
