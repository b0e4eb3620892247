// The base trajectory: decode one prompt with the policy, recording each step's top-k alternatives,
// and keep the KV cache and the next-token log-probs of uncertain steps so branches can fork there.
// Same token choice as model/sampling.ts's generate (its pickToken, its seeded RNG); no scoring here.
import type { KVCache } from '../model/kv_cache.ts';
import { decodeStep, prefill } from '../model/decode.ts';
import type { Model } from '../model/params.ts';
import { logSoftmaxRows, pickToken, topIndices } from '../model/sampling.ts';
import { createRng } from '../rng.ts';
import type { TokenAlt } from './divergence.ts';

export interface DecodeOptions {
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stopTokenId: number;
  /** Alternatives recorded per step. */
  recordTopK: number;
  /** Keep the full next-token log-probs of a step when this says so (divergence candidates). */
  keepLogp: (alternatives: TokenAlt[]) => boolean;
}

export interface DecodedStep {
  id: number;
  logprob: number;
  alternatives: TokenAlt[];
}

export interface DecodedTrajectory {
  steps: DecodedStep[];
  stoppedBy: 'stop_token' | 'length';
  /** Cache of prompt + all tokens but the last: step t's prefix is its first promptLength + t positions. */
  cache: KVCache;
  promptLength: number;
  /** [V] next-token log-probs before step t, for the steps keepLogp selected. */
  logpAt: Map<number, Float32Array>;
}

/** Decodes one prompt; the caller owns (and must dispose) the returned cache. */
export async function decodeTrajectory(model: Model, promptIds: number[], opts: DecodeOptions): Promise<DecodedTrajectory> {
  const { logits, cache } = prefill(model, [promptIds]);
  logits.dispose();
  const rng = createRng(opts.seed >>> 0);
  const steps: DecodedStep[] = [];
  const logpAt = new Map<number, Float32Array>();
  let stoppedBy: DecodedTrajectory['stoppedBy'] = 'length';
  try {
    for (let t = 0; t < opts.maxNewTokens; t++) {
      const logp = logSoftmaxRows((await cache.lastLogits!.data()) as Float32Array, model.config.vocab_size); // [V] on the host, like generate
      const id = pickToken(logp, opts, rng);
      const alternatives = topIndices(logp, opts.recordTopK).map((a) => ({ id: a, prob: Math.exp(logp[a]) }));
      steps.push({ id, logprob: logp[id], alternatives });
      if (opts.keepLogp(alternatives)) logpAt.set(t, logp);
      if (id === opts.stopTokenId) {
        stoppedBy = 'stop_token';
        break;
      }
      if (t + 1 < opts.maxNewTokens) decodeStep(model, cache, [id]).dispose();
    }
  } catch (err) {
    cache.dispose();
    throw err;
  }
  return { steps, stoppedBy, cache, promptLength: promptIds.length, logpAt };
}
