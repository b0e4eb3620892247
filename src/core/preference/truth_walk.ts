// More ground-truth pairs along the teacher-forced ground truth: at the next tokens where the policy's
// top-1 is not the ground-truth token, pair the ground truth (chosen) against the policy's own greedy
// continuation from there (rejected). Both share the ground-truth prefix and differ exactly at that token.
import { KVCache } from '../model/kv_cache.ts';
import { attentionBias, positionIds, runTransformer } from '../model/model.ts';
import type { Model } from '../model/params.ts';
import { continueFromCache, type GenerateResult } from '../model/sampling.ts';
import { tf } from '../runtime/tf.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { forkCacheAt } from './branch_cache.ts';
import type { Completion } from './pairing.ts';
import type { TurnContext } from './turn_context.ts';

export interface TruthPoint {
  /** Token index into the ground truth's tokens (its own tokenization). */
  index: number;
  /** Ground-truth text before the point (the shared prefix). */
  prefix: string;
  /** The policy's top-1 at the point (the rejected side's first token). */
  policyToken: number;
  chosen: Completion;
  rejected: Completion;
}

/** One pass over prompt + ground truth: next-token log-probs at every position and the KV cache. */
function encodePath(model: Model, path: number[]): { logp: tf.Tensor2D; cache: KVCache } {
  const T = path.length;
  const out = tf.tidy(() => {
    const mask = tf.ones([1, T]) as tf.Tensor2D; // [1, T]
    const run = runTransformer(model, { ids: tf.tensor2d(path, [1, T], 'int32'), positions: positionIds(mask), bias: attentionBias(mask, T, 0) });
    return { logp: tf.logSoftmax(tf.squeeze(run.logits, [0])) as tf.Tensor2D, present: run.present }; // [T, V]
  });
  return { logp: out.logp, cache: new KVCache(out.present, [new Array<number>(T).fill(1)], [T], null) };
}

/**
 * Walks the tokenized ground truth and returns up to `maxPoints` points, past the first `afterChars`
 * characters, where the policy's top-1 differs from the ground-truth token. For each, the policy's
 * greedy continuation is decoded (all points in one batch from one cache of the path), and both sides
 * are scored. `accept`, when given, keeps only the points whose policy token it accepts.
 */
export async function walkGroundTruth(model: Model, tokenizer: Tokenizer, ctx: TurnContext, maxPoints: number, maxNewTokens: number, afterChars: number, accept?: (policyToken: number) => boolean): Promise<TruthPoint[]> {
  const truthIds = tokenizer.encode(ctx.truthText + ctx.eosText);
  if (maxPoints <= 0 || truthIds.length === 0) return [];
  const P = ctx.promptIds.length;
  const { logp, cache } = encodePath(model, [...ctx.promptIds, ...truthIds]);
  const values = (await logp.data()) as Float32Array;
  logp.dispose();
  const V = model.config.vocab_size;
  const rowAt = (k: number): Float32Array => values.subarray((P + k - 1) * V, (P + k) * V); // predicts truthIds[k]
  const points: { k: number; argmax: number; prefix: string }[] = [];
  for (let k = 0; k < truthIds.length && points.length < maxPoints; k++) {
    const row = rowAt(k);
    let argmax = 0;
    for (let v = 1; v < V; v++) if (row[v] > row[argmax]) argmax = v;
    if (argmax === truthIds[k] || (accept && !accept(argmax))) continue;
    const prefix = tokenizer.decode(truthIds.slice(0, k));
    if (prefix.length > afterChars && ctx.truthText.startsWith(prefix)) points.push({ k, argmax, prefix });
  }
  if (points.length === 0) {
    cache.dispose();
    return [];
  }
  const forked = forkCacheAt(cache, 0, points.map((p) => ({ length: P + p.k, logp: rowAt(p.k).slice() })));
  cache.dispose();
  let runs: GenerateResult[];
  try {
    const earliest = Math.min(...points.map((p) => p.k));
    runs = await continueFromCache(model, forked, points.map((p) => p.argmax), { maxNewTokens: Math.max(1, maxNewTokens - earliest), temperature: 0, seed: 0, stopTokenIds: [ctx.eosId], recordTopK: 1 });
  } finally {
    forked.dispose();
  }
  const truthScore = ctx.score(ctx.truthText);
  return points.map((p, i) => {
    const ids = runs[i].tokens.slice(0, Math.max(1, maxNewTokens - p.k));
    const own = ids[ids.length - 1] === ctx.eosId ? ids.slice(0, -1) : ids;
    const whole = tokenizer.decode([...truthIds.slice(0, p.k), ...own]);
    const truthSuffix = truthIds.slice(p.k);
    return {
      index: p.k,
      prefix: p.prefix,
      policyToken: p.argmax,
      chosen: { text: ctx.truthText.slice(p.prefix.length), ids: truthSuffix, logprobs: truthSuffix.map((t, j) => rowAt(p.k + j)[t]), ...truthScore, source: 'ground_truth' },
      rejected: { text: whole.slice(p.prefix.length), ids, logprobs: runs[i].steps.slice(0, ids.length).map((s) => s.logprob), ...ctx.score(whole), source: 'branch', forcedToken: p.argmax },
    };
  });
}
