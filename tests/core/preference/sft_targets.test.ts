import { beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../../src/core/data/generate.ts';
import { resolveDataConfig } from '../../../src/core/data/config.ts';
import { buildTurnTargets } from '../../../src/core/preference/sft_targets.ts';
import { buildTurnContext } from '../../../src/core/preference/turn_context.ts';
import { initBackend } from '../../../src/core/runtime/backend.ts';
import { loadCheckpoint } from '../../../src/core/runtime/checkpoint.ts';
import { tf } from '../../../src/core/runtime/tf.ts';
import { disposeModel } from '../../../src/core/model/params.ts';
import { dirSource } from '../../../src/cli/files.ts';

const samples = generateDataset(resolveDataConfig({ n: 6, seed: 11 }));
const opts = { samples: 0, temperature: 1, threshold: 1, includeTextTurns: true, maxNewTokens: 64, seqLen: 512, seed: 3 };

describe('buildTurnTargets (shipped default model)', () => {
  beforeAll(async () => {
    await initBackend({ order: ['wasm'] });
  });

  it('ground truth: one target per turn, the prompt masked, the completion the rendered truth and the end of turn', async () => {
    const { model, tokenizer } = await loadCheckpoint(dirSource('models/default'));
    const { targets, stats } = await buildTurnTargets(model, tokenizer, samples, opts);
    expect(stats.turns).toBe(targets.length);
    expect(stats.fromGroundTruth).toBe(targets.length);
    for (const t of targets) {
      const sample = samples.find((s) => s.id === t.sampleId)!;
      const ctx = buildTurnContext(tokenizer, sample, t.turnIndex);
      const first = t.encoded.lossMask.indexOf(1);
      expect(t.encoded.ids.slice(0, first)).toEqual(ctx.promptIds);
      expect(tokenizer.decode(t.encoded.ids.slice(first))).toBe(ctx.truthText + ctx.eosText);
    }
    disposeModel(model);
  });

  it('rft: the ESM-best sample replaces the truth only when it reaches the threshold, and trains on its own tokens', async () => {
    const { model, tokenizer } = await loadCheckpoint(dirSource('models/default'));
    const strict = await buildTurnTargets(model, tokenizer, samples, { ...opts, samples: 4, threshold: 1 });
    const before = tf.memory().numTensors; // after the model's lazily built caches
    const loose = await buildTurnTargets(model, tokenizer, samples, { ...opts, samples: 4, threshold: 0 });
    expect(tf.memory().numTensors).toBe(before);
    disposeModel(model);
    expect(strict.stats.fromSamples).toBeGreaterThan(0);
    expect(strict.stats.fromSamples).toBeLessThanOrEqual(strict.stats.turnsWithCorrectSample);
    for (const t of strict.targets.filter((x) => x.source === 'sample')) expect(t.esm).toBe(1);
    expect(loose.stats.fromSamples).toBeGreaterThanOrEqual(strict.stats.fromSamples);
    expect(loose.targets.some((t) => t.source === 'sample' && t.esm < 1)).toBe(true);
    for (const t of loose.targets.filter((x) => x.source === 'sample')) {
      const first = t.encoded.lossMask.indexOf(1);
      expect(tokenizer.decode(t.encoded.ids.slice(first), { skipSpecial: true })).toBe(t.text);
    }
    // Text turns: the scorer gives any call-free text 1, so a sample stands in only when it is the truth's text.
    for (const { targets } of [strict, loose]) {
      const text = targets.map((t) => ({ t, ctx: buildTurnContext(tokenizer, samples.find((s) => s.id === t.sampleId)!, t.turnIndex) })).filter(({ ctx }) => ctx.turnType === 'text');
      expect(text.length).toBeGreaterThan(0);
      for (const { t, ctx } of text) expect(t.text.trim()).toBe(ctx.truthText.trim());
    }
  });
});
