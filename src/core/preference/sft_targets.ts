// Supervised targets per assistant turn, for the loop's SFT-type arms: the ground truth ('sft-continued'),
// or rejection sampling ('rft', Yuan et al. 2023): the ESM-best of n samples of the policy, the ground truth
// when no sample reaches the threshold. On a text turn (no call due) the scorer checks only that no call is made, not
// what the text says, so there a sample counts as passing only when its text is the ground truth's: otherwise RFT
// would train unverified answers (in fresh-calls-full's seed-3 round 1, 1,114 of 2,591 sampled text targets held a
// number the conversation never gave). Targets are token ids (prompt + completion, completion masked for
// the loss), so a sampled target trains on exactly the tokens the policy produced. No training here.
import type { Sample } from '../data/sample.ts';
import type { Model } from '../model/params.ts';
import { createRng } from '../rng.ts';
import type { EncodedSample } from '../train/sft_data.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { resolvePreferenceConfig } from './config.ts';
import { buildTurnContext, pairTurns, type TurnContext } from './turn_context.ts';
import { sampleTurns } from './turn_pairs.ts';

export interface TurnTarget {
  sampleId: string;
  turnIndex: number;
  /** Where the completion came from. */
  source: 'ground_truth' | 'sample';
  /** ESM of the completion against the ground truth (1 for the ground truth itself). */
  esm: number;
  /** The completion's text, without the end-of-turn marker (for reports and exports). */
  text: string;
  encoded: EncodedSample;
}

export interface TargetOptions {
  /** 0 = ground truth only; >= 2 = RFT with that many samples per turn. */
  samples: number;
  temperature: number;
  /** A sample must reach this ESM to replace the ground truth, in [0, 1]. */
  threshold: number;
  includeTextTurns: boolean;
  /** Longest sampled completion, in tokens. */
  maxNewTokens: number;
  /** Longest prompt + completion; longer targets keep the prompt's end. */
  seqLen: number;
  seed: number;
  onProgress?(done: number, total: number): void;
}

export interface TargetStats {
  turns: number;
  fromSamples: number;
  fromGroundTruth: number;
  /** Turns left out: prompt + answer do not fit the model's positions. */
  skipped: number;
  /** RFT: turns where at least one sample was exact (no error; on a text turn, the ground truth's text). */
  turnsWithCorrectSample: number;
}

function encode(ctx: TurnContext, completion: number[], seqLen: number): EncodedSample {
  const keep = Math.max(0, seqLen - completion.length);
  const prompt = ctx.promptIds.slice(Math.max(0, ctx.promptIds.length - keep));
  return { ids: [...prompt, ...completion], lossMask: [...prompt.map(() => 0), ...completion.map(() => 1)] };
}

/** Targets for every pair turn of `samples`, in order; turn i's sampling seed is the i-th fork of `seed`. */
export async function buildTurnTargets(model: Model, tokenizer: Tokenizer, samples: readonly Sample[], opts: TargetOptions): Promise<{ targets: TurnTarget[]; stats: TargetStats }> {
  const items = samples.flatMap((s) => pairTurns(s, opts.includeTextTurns).map((turn) => ({ sample: s, turn })));
  const rng = createRng(opts.seed);
  const sampling = opts.samples >= 2 ? resolvePreferenceConfig({ mode: 'turn', nSamples: opts.samples, sampleTemperature: opts.temperature, maxNewTokens: opts.maxNewTokens }) : null;
  const targets: TurnTarget[] = [];
  const stats: TargetStats = { turns: 0, fromSamples: 0, fromGroundTruth: 0, skipped: 0, turnsWithCorrectSample: 0 };
  for (const [i, { sample, turn }] of items.entries()) {
    const seed = rng.fork();
    const ctx = buildTurnContext(tokenizer, sample, turn);
    const truthIds = tokenizer.encode(ctx.truthText + ctx.eosText);
    if (ctx.promptIds.length + Math.max(truthIds.length, sampling ? opts.maxNewTokens : 0) > model.config.max_position_embeddings || truthIds.length >= opts.seqLen) {
      stats.skipped++;
      continue;
    }
    stats.turns++;
    let target: TurnTarget = { sampleId: sample.id, turnIndex: turn, source: 'ground_truth', esm: 1, text: ctx.truthText, encoded: encode(ctx, truthIds, opts.seqLen) };
    if (sampling) {
      const sampled = await sampleTurns(model, tokenizer, ctx, sampling, seed);
      const drawn = ctx.turnType === 'text' ? sampled.filter((c) => c.text.trim() === ctx.truthText.trim()) : sampled;
      if (drawn.some((c) => c.categories.length === 0)) stats.turnsWithCorrectSample++;
      // Best ESM first; among equals the most likely sample (summed log-probs), then the first drawn.
      const logp = (c: (typeof drawn)[number]): number => (c.logprobs ?? []).reduce((a, b) => a + b, 0);
      const best = drawn.length === 0 ? null : drawn.reduce((a, b) => (b.esm > a.esm || (b.esm === a.esm && logp(b) > logp(a)) ? b : a));
      if (best && best.esm >= opts.threshold && best.ids.at(-1) === ctx.eosId) {
        target = { sampleId: sample.id, turnIndex: turn, source: 'sample', esm: best.esm, text: best.text, encoded: encode(ctx, best.ids, opts.seqLen) };
      }
    }
    if (target.source === 'sample') stats.fromSamples++;
    else stats.fromGroundTruth++;
    targets.push(target);
    opts.onProgress?.(i + 1, items.length);
  }
  return { targets, stats };
}
