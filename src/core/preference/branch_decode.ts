// The batched branch decode: every row starts with its forced token (scored from the cache's last
// logits) and continues with the policy until its stop token or its own token budget. Same token
// choice as model/sampling.ts (pickToken; row r seeded with seed + r); finished rows leave the batch.
import type { KVCache } from '../model/kv_cache.ts';
import { decodeStep } from '../model/decode.ts';
import type { Model } from '../model/params.ts';
import { logSoftmaxRows, pickToken } from '../model/sampling.ts';
import { createRng, type Rng } from '../rng.ts';

export interface RowDecodeOptions {
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stopTokenId: number;
}

export interface DecodedRow {
  tokens: number[];
  /** log p(token) under the untempered policy. */
  logprobs: number[];
  stoppedBy: 'stop_token' | 'length';
}

interface Row extends DecodedRow {
  rng: Rng;
  budget: number;
  done: boolean;
}

/**
 * Decodes every row of `cache` (which this function consumes and disposes): row r emits first[r], then
 * samples until the stop token or budgets[r] tokens. Unlike continueFromCache, each row has its own
 * budget, so one long row does not hold a short one's batch slot.
 */
export async function decodeRows(model: Model, cache: KVCache, first: number[], budgets: number[], opts: RowDecodeOptions): Promise<DecodedRow[]> {
  const V = model.config.vocab_size;
  const rows: Row[] = first.map((_, r) => ({ tokens: [], logprobs: [], stoppedBy: 'length', rng: createRng((opts.seed + r) >>> 0), budget: Math.max(1, budgets[r]), done: false }));
  let active = rows.map((_, r) => r);
  try {
    while (active.length > 0) {
      const logp = logSoftmaxRows((await cache.lastLogits!.data()) as Float32Array, V); // [A, V], the step's one read
      active.forEach((r, i) => {
        const row = rows[r];
        const lp = logp.subarray(i * V, (i + 1) * V);
        const token = row.tokens.length === 0 ? first[r] : pickToken(lp, opts, row.rng);
        row.tokens.push(token);
        row.logprobs.push(lp[token]);
        if (token === opts.stopTokenId) row.stoppedBy = 'stop_token';
        row.done = token === opts.stopTokenId || row.tokens.length >= row.budget;
      });
      const keep = active.map((_, i) => i).filter((i) => !rows[active[i]].done);
      if (keep.length === 0) break;
      if (keep.length < active.length) {
        const smaller = cache.select(keep);
        cache.dispose();
        cache = smaller;
      }
      active = keep.map((i) => active[i]);
      decodeStep(model, cache, active.map((r) => rows[r].tokens[rows[r].tokens.length - 1])).dispose();
    }
  } finally {
    cache.dispose();
  }
  return rows.map(({ tokens, logprobs, stoppedBy }) => ({ tokens, logprobs, stoppedBy }));
}
