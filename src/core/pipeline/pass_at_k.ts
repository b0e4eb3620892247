// pass@k of a model on held-out turns: k samples per assistant turn (teacher-forced history, as in evaluation);
// a turn passes when any sample has no error. The headroom line of the loop: preference and RL updates mostly
// sharpen what the model can already sample (Yue et al. 2025), so pass@k bounds what they can reach.
import type { Sample } from '../data/sample.ts';
import type { Model } from '../model/params.ts';
import { resolvePreferenceConfig } from '../preference/config.ts';
import { buildTurnContext, pairTurns } from '../preference/turn_context.ts';
import { sampleTurns } from '../preference/turn_pairs.ts';
import { createRng } from '../rng.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface PassAtK {
  k: number;
  temperature: number;
  turns: number;
  /** Share of turns with at least one exact sample. */
  passAtK: number;
  /** Share of turns whose first sample is exact (pass@1 at this temperature). */
  passAt1: number;
  /** Turns skipped because prompt + maxNewTokens exceed the model's positions. */
  skipped: number;
  /** The samples measured (so greedy accuracy can be read on the same ones). */
  sampleIds: string[];
  /** Per measured turn (message index), how many of the k samples are exact. Absent in older records. */
  perTurn?: { sampleId: string; turn: number; exact: number }[];
}

export async function passAtK(model: Model, tokenizer: Tokenizer, samples: readonly Sample[],
  opts: {
    k: number; temperature: number; maxNewTokens: number; seed: number; onProgress?(done: number, total: number): void;
    /** Checked between turns (the app's stop button); when true, the result covers the turns measured so far. */
    shouldStop?(): Promise<boolean>;
  }): Promise<PassAtK> {
  const cfg = resolvePreferenceConfig({ mode: 'turn', nSamples: opts.k, sampleTemperature: opts.temperature, maxNewTokens: opts.maxNewTokens });
  const items = samples.flatMap((s) => pairTurns(s, true).map((turn) => ({ sample: s, turn })));
  const rng = createRng(opts.seed);
  let turns = 0;
  let pass = 0;
  let first = 0;
  let skipped = 0;
  const perTurn: NonNullable<PassAtK['perTurn']> = [];
  for (const [i, { sample, turn }] of items.entries()) {
    if (await opts.shouldStop?.()) break;
    const seed = rng.fork();
    const ctx = buildTurnContext(tokenizer, sample, turn);
    if (ctx.promptIds.length + opts.maxNewTokens > model.config.max_position_embeddings) {
      skipped++;
      continue;
    }
    const drawn = await sampleTurns(model, tokenizer, ctx, cfg, seed);
    turns++;
    const exact = drawn.filter((c) => c.categories.length === 0).length;
    perTurn.push({ sampleId: sample.id, turn, exact });
    if (exact > 0) pass++;
    if (drawn[0].categories.length === 0) first++;
    opts.onProgress?.(i + 1, items.length);
  }
  return { k: opts.k, temperature: opts.temperature, turns, passAtK: pass / Math.max(turns, 1), passAt1: first / Math.max(turns, 1), skipped, sampleIds: samples.map((s) => s.id), perTurn };
}
