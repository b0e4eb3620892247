// Whole-turn pairs for one prompt: n independent samples (sharing one prefill of the prompt), scored
// with ESM, paired by the TTPA code's per-turn rule ('turn') or best vs worst ('sequence', the baseline).
import type { Model } from '../model/params.ts';
import { prefill } from '../model/decode.ts';
import { continueFromCache, pickToken } from '../model/sampling.ts';
import type { Rng } from '../rng.ts';
import { tf } from '../runtime/tf.ts';
import type { ScoringConfig } from '../scoring/config.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import type { PreferenceConfig } from './config.ts';
import { sequencePairs, turnRulePairs, type Completion, type PreferencePair } from './pairing.ts';
import { createRng } from '../rng.ts';
import { forwardLogprobs, type TurnContext } from './turn_context.ts';

export interface TurnPairsResult {
  samples: Completion[];
  truth: Completion;
  pairs: PreferencePair[];
  decodedTokens: number;
}

/** n samples of the whole turn: the prompt is encoded once and forked into n rows. */
export async function sampleTurns(model: Model, tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, seed: number): Promise<Completion[]> {
  const n = cfg.nSamples;
  const opts = { temperature: cfg.sampleTemperature, topK: cfg.sampleTopK, topP: cfg.topP };
  const { logits, cache } = prefill(model, [ctx.promptIds]);
  const logpT = tf.tidy(() => tf.logSoftmax(logits)); // [1, V]
  const logp = (await logpT.data()) as Float32Array;
  logpT.dispose();
  logits.dispose();
  const first = Array.from({ length: n }, (_, r) => pickToken(logp, opts, createRng((seed + r) >>> 0)));
  const rows = cache.select(new Array<number>(n).fill(0));
  cache.dispose();
  try {
    const results = await continueFromCache(model, rows, first, { ...opts, maxNewTokens: cfg.maxNewTokens, seed: seed + n, stopTokenIds: [ctx.eosId], recordTopK: 1 });
    return results.map((res) => {
      const own = res.stoppedBy === 'stop_token' ? res.tokens.slice(0, -1) : res.tokens;
      const text = tokenizer.decode(own);
      return { text, ids: res.tokens, logprobs: res.steps.map((s) => s.logprob), ...ctx.score(text), source: 'sample' };
    });
  } finally {
    rows.dispose();
  }
}

export async function buildTurnPairs(model: Model, tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, scoring: ScoringConfig, rng: Rng): Promise<TurnPairsResult> {
  const samples = await sampleTurns(model, tokenizer, ctx, cfg, rng.fork());
  const truthIds = tokenizer.encode(ctx.truthText + ctx.eosText);
  const truth: Completion = { text: ctx.truthText, ids: truthIds, ...ctx.score(ctx.truthText), source: 'ground_truth' };
  const sides = cfg.mode === 'sequence' ? sequencePairs(samples, cfg.minMargin) : turnRulePairs(samples, truth, scoring.chooseThreshold, cfg.minMargin);
  if (cfg.refLogps && sides.some((s) => s.chosen === truth)) truth.logprobs = forwardLogprobs(model, ctx.promptIds, truthIds);
  const pairs = sides.map((s): PreferencePair => ({
    sampleId: ctx.sample.id, turnIndex: ctx.turnIndex, turnType: ctx.turnType, mode: cfg.mode, kind: cfg.mode === 'sequence' ? 'sequence' : 'turn',
    prompt: ctx.prompt, tools: ctx.sample.tools, prefix: '', chosen: s.chosen, rejected: s.rejected,
    divergenceIndex: null, spanType: null, margin: s.margin,
  }));
  return { samples, truth, pairs, decodedTokens: samples.reduce((s, c) => s + c.ids.length, 0) };
}
