import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dirSource } from '../../../src/cli/files.ts';
import { resolveDataConfig } from '../../../src/core/data/config.ts';
import { generateDataset } from '../../../src/core/data/generate.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { callTokenId, decodeDecisions, firstStepMargin } from '../../../src/core/pipeline/call_decision.ts';
import { evaluateModel } from '../../../src/core/pipeline/evaluate_model.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { loadCheckpoint } from '../../../src/core/runtime/checkpoint.ts';
import { callsAt, reportAtBias } from '../../../src/core/scoring/call_calibration.ts';

beforeAll(async () => {
  await initBackend({ order: ['wasm'] });
});

describe('call decisions', () => {
  it('margins come from the first step: the call token against the best other', () => {
    const step = (token: number, logprob: number, alternatives: [number, number][], call: number) =>
      ({ text: '', first: { token, logprob, alternatives: alternatives.map(([t, l]) => ({ token: t, logprob: l })), recorded: [call] } });
    expect(firstStepMargin(step(7, -0.2, [[7, -0.2], [3, -1.9]], -0.2), 7)).toEqual({ margin: -0.2 + 1.9, called: true });
    expect(firstStepMargin(step(3, -0.5, [[3, -0.5], [9, -1.5]], -2.5), 7)).toEqual({ margin: -2, called: false });
    expect(() => firstStepMargin({ text: '', first: undefined }, 7)).toThrow(/not recorded/);
  });

  it('the report at a bias equals greedy evaluation with that bias, turn for turn (the default model)', async () => {
    const { model, tokenizer } = await loadCheckpoint(dirSource(resolve('models/default')));
    try {
      expect(callTokenId(tokenizer)).toBe(tokenizer.tokenToId('<tool_call>'));
      const samples = generateDataset(resolveDataConfig({ n: 14, seed: 23 }));
      const opts = { maxNewTokens: 64, batchSize: 8 };
      const span = 6;
      const turns = await decodeDecisions(model, tokenizer, samples, { ...opts, span });
      expect(turns.filter((t) => t.flipped).length).toBe(turns.filter((t) => Math.abs(t.margin) <= span).length);
      // Biases just past the closest call and the closest text answer flip at least those turns.
      const calls = turns.filter((t) => t.called && t.flipped).map((t) => t.margin);
      const texts = turns.filter((t) => !t.called && t.flipped).map((t) => t.margin);
      expect(calls.length * texts.length).toBeGreaterThan(0);
      const down = -Math.min(...calls) - 0.01;
      const up = -Math.max(...texts) + 0.01;
      for (const bias of [down, 0, up]) {
        const fromTurns = reportAtBias(samples.length, turns, bias);
        const direct = await evaluateModel(model, tokenizer, samples, { ...opts, callBias: bias });
        expect(fromTurns.turns.map((t) => t.text)).toEqual(direct.turns.map((t) => t.text));
        expect(fromTurns.overall).toEqual(direct.overall);
        // the decision is what the bias says: a call opens the text exactly when margin + bias is past 0
        fromTurns.turns.forEach((t, i) => expect(t.text.startsWith('<tool_call>')).toBe(callsAt(turns[i], bias)));
      }
      // the biases move real decisions (else the comparison above proves little)
      expect(turns.filter((t) => callsAt(t, down) !== t.called).length).toBeGreaterThan(0);
      expect(turns.filter((t) => callsAt(t, up) !== t.called).length).toBeGreaterThan(0);
    } finally {
      disposeModel(model);
    }
  });
});
