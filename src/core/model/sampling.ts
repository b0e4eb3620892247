// Token generation on the KV cache: greedy / temperature / top-k / top-p with a seeded RNG, recording
// each step's log-prob and top-k alternatives under the untempered policy (the preference sampler's input).
// One read of [B, V] log-probs per step; finished rows are dropped from the batch. No beam search.
import { createRng, type Rng } from '../rng.ts';
import { decodeStep, leftPad, prefill } from './decode.ts';
import type { KVCache } from './kv_cache.ts';
import type { Model } from './params.ts';

export interface SampleOptions {
  /** Tokens to produce per row, forced ones included. */
  maxNewTokens: number;
  /** 0 = greedy (argmax). */
  temperature: number;
  /** Keep the k most likely tokens (0 or absent = all). */
  topK?: number;
  /** Nucleus: smallest set with cumulative probability >= topP (1 or absent = all). */
  topP?: number;
  /** Row r of a batch uses createRng(seed + r), so generate(p) equals generateBatch([p])[0]. */
  seed: number;
  stopTokenIds?: number[];
  /** Stop when decode(tokens so far) contains one of these; needs `decode`. */
  stopStrings?: string[];
  decode?: (ids: number[]) => string;
  /** Alternatives recorded per step (default 5). */
  recordTopK?: number;
  /** Tokens emitted first, before sampling (scored like sampled ones). */
  forcedPrefix?: number[];
  /** false re-encodes the whole sequence every step (the benchmark's baseline); default true. */
  kvCache?: boolean;
  /** Log-probs of these tokens recorded at every step (GenerateStep.recorded), whatever is picked. */
  recordTokens?: number[];
  /**
   * Added to one token's log-prob at the row's first step only (none when forcedPrefix fills that step):
   * a shifted call-or-answer decision when the token opens a tool call. Infinity forces the token,
   * -Infinity forbids it. Recorded log-probs stay the policy's own.
   */
  firstStepBias?: { token: number; bias: number };
}

export interface GenerateStep {
  token: number;
  /** log p(token) under the untempered policy. */
  logprob: number;
  /** The recordTopK most likely tokens, by descending logprob. */
  alternatives: { token: number; logprob: number }[];
  /** log p of each SampleOptions.recordTokens token, in that order (absent without it). */
  recorded?: number[];
}

export interface GenerateResult {
  tokens: number[];
  steps: GenerateStep[];
  stoppedBy: 'stop_token' | 'stop_string' | 'length';
}

interface RowState {
  rng: Rng;
  forced: number[];
  tokens: number[];
  steps: GenerateStep[];
  stoppedBy?: GenerateResult['stoppedBy'];
}

/** Continues one prompt. */
export async function generate(model: Model, promptIds: number[], opts: SampleOptions): Promise<GenerateResult> {
  return (await generateBatch(model, [promptIds], opts))[0];
}

/** Continues several prompts together (left-padded), for evaluation throughput. */
export async function generateBatch(model: Model, prompts: number[][], opts: SampleOptions): Promise<GenerateResult[]> {
  const { ids, mask } = leftPad(prompts, model.config.pad_token_id ?? 0);
  const { logits, cache } = prefill(model, ids, { attentionMask: mask });
  logits.dispose();
  const rows = prompts.map((_, r) => newRow(opts, r, opts.forcedPrefix ?? []));
  return runLoop(model, cache, rows, opts, prompts);
}

/**
 * Continues every row of `cache` after forcing firstTokens[r] as its next token (scored from the
 * cache's last logits). The caller keeps and disposes `cache`; it is not modified.
 */
export async function continueFromCache(model: Model, cache: KVCache, firstTokens: number[], opts: SampleOptions): Promise<GenerateResult[]> {
  if (firstTokens.length !== cache.batch) throw new Error(`continueFromCache: ${cache.batch} cache rows but ${firstTokens.length} first tokens`);
  if (!cache.lastLogits) throw new Error('continueFromCache: cache has no last logits');
  const own = cache.select(firstTokens.map((_, r) => r));
  const rows = firstTokens.map((t, r) => newRow(opts, r, [t, ...(opts.forcedPrefix ?? [])]));
  return runLoop(model, own, rows, opts);
}

function newRow(opts: SampleOptions, r: number, forced: number[]): RowState {
  return { rng: createRng((opts.seed + r) >>> 0), forced: forced.slice(), tokens: [], steps: [] };
}

/** Samples until every row stops; owns and disposes `cache`. `prompts` allows the no-cache baseline. */
async function runLoop(model: Model, cache: KVCache, rows: RowState[], opts: SampleOptions, prompts?: number[][]): Promise<GenerateResult[]> {
  const V = model.config.vocab_size;
  let active = rows.map((_, r) => r);
  try {
    while (active.length > 0 && opts.maxNewTokens > 0) {
      const logp = logSoftmaxRows((await cache.lastLogits!.data()) as Float32Array, V); // [A, V], the step's one read
      const next: number[] = [];
      active.forEach((r, i) => {
        const row = rows[r];
        const lp = logp.subarray(i * V, (i + 1) * V);
        const token = row.forced.length ? row.forced.shift()! : pickToken(biased(lp, opts, row.tokens.length), opts, row.rng);
        row.tokens.push(token);
        row.steps.push({
          token, logprob: lp[token], alternatives: topIndices(lp, opts.recordTopK ?? 5).map((t) => ({ token: t, logprob: lp[t] })),
          ...(opts.recordTokens ? { recorded: opts.recordTokens.map((t) => lp[t]) } : {}),
        });
        row.stoppedBy = stopReason(row.tokens, opts);
        next.push(token);
      });
      const keep = active.map((_, i) => i).filter((i) => !rows[active[i]].stoppedBy);
      if (keep.length === 0) break;
      const nextTokens = keep.map((i) => next[i]);
      if (keep.length < active.length) {
        const smaller = cache.select(keep);
        cache.dispose();
        cache = smaller;
      }
      active = keep.map((i) => active[i]);
      if (opts.kvCache === false && prompts) {
        const fresh = prefill(model, active.map((r) => [...prompts[r], ...rows[r].tokens]));
        fresh.logits.dispose();
        cache.dispose();
        cache = fresh.cache;
      } else {
        decodeStep(model, cache, nextTokens).dispose();
      }
    }
  } finally {
    cache.dispose();
  }
  return rows.map((row) => ({ tokens: row.tokens, steps: row.steps, stoppedBy: row.stoppedBy ?? 'length' }));
}

/** The step's log-probs with firstStepBias added at the row's first step (a copy; lp itself is recorded). */
function biased(lp: Float32Array, opts: SampleOptions, step: number): Float32Array {
  const b = opts.firstStepBias;
  if (!b || step > 0 || b.bias === 0) return lp;
  if (b.bias === Infinity) return lp.map((_, t) => (t === b.token ? 0 : -Infinity)); // forced, also when sampling
  const out = lp.slice();
  out[b.token] += b.bias;
  return out;
}

/** Row-wise log-softmax on the host (V is small; saves a handful of kernel launches per step). */
export function logSoftmaxRows(logits: Float32Array, V: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let o = 0; o < logits.length; o += V) {
    let max = -Infinity;
    for (let j = o; j < o + V; j++) if (logits[j] > max) max = logits[j];
    let sum = 0;
    for (let j = o; j < o + V; j++) sum += Math.exp(logits[j] - max);
    const lse = max + Math.log(sum);
    for (let j = o; j < o + V; j++) out[j] = logits[j] - lse;
  }
  return out;
}

function stopReason(tokens: number[], opts: SampleOptions): GenerateResult['stoppedBy'] | undefined {
  if (opts.stopTokenIds?.includes(tokens[tokens.length - 1])) return 'stop_token';
  if (opts.stopStrings?.length && opts.decode) {
    const text = opts.decode(tokens);
    if (opts.stopStrings.some((s) => s.length > 0 && text.includes(s))) return 'stop_string';
  }
  return tokens.length >= opts.maxNewTokens ? 'length' : undefined;
}

/** HF order: temperature, then top-k, then top-p, then a draw from the renormalised distribution. */
export function pickToken(logp: Float32Array, opts: Pick<SampleOptions, 'temperature' | 'topK' | 'topP'>, rng: Rng): number {
  if (opts.temperature <= 0) return topIndices(logp, 1)[0];
  const topK = opts.topK && opts.topK > 0 ? Math.min(opts.topK, logp.length) : logp.length;
  const topP = opts.topP ?? 1;
  const candidates = topK < logp.length || topP < 1 ? topIndices(logp, topK) : Array.from(logp.keys());
  const maxLogp = candidates.reduce((m, t) => Math.max(m, logp[t]), -Infinity);
  const weights = candidates.map((t) => Math.exp((logp[t] - maxLogp) / opts.temperature));
  let n = candidates.length;
  if (topP < 1) {
    const total = weights.reduce((a, b) => a + b, 0);
    let cum = 0;
    for (n = 0; n < candidates.length && cum < topP * total; n++) cum += weights[n];
  }
  const total = weights.slice(0, n).reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < n; i++) {
    u -= weights[i];
    if (u < 0) return candidates[i];
  }
  return candidates[n - 1];
}

/** Indices of the k largest values, descending (ties: lower index first). */
export function topIndices(values: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (out.length === k && v <= values[out[k - 1]]) continue;
    let j = out.length === k ? k - 1 : out.length;
    while (j > 0 && values[out[j - 1]] < v) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = i;
  }
  return out;
}
