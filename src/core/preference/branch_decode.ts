// The batched branch decode: every row starts with its forced token (scored from the cache's last
// logits) and continues with the policy until its stop token or its own token budget. Same token
// choice as model/sampling.ts (pickToken; row r seeded with seed + r); finished rows leave the batch.
// decodeRowsAlongside runs such rows beside the base trajectory's own row, forking them as it decodes
// (and dropping or re-budgeting them as the caller revises its choice).
import type { KVCache } from '../model/kv_cache.ts';
import { decodeStep, prefill } from '../model/decode.ts';
import type { Model } from '../model/params.ts';
import { logSoftmaxRows, pickToken, topIndices } from '../model/sampling.ts';
import { createRng, type Rng } from '../rng.ts';
import { forkCachesAt } from './branch_cache.ts';
import type { DecodedStep, DecodedTrajectory, DecodeOptions } from './trajectory.ts';

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
  dropped?: boolean;
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
        finishRow(row, token, opts);
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

/** A row forked from the base at its current step: `forcedToken` replaces the base's token there. */
export interface ForkedRow {
  forcedToken: number;
  /** Most tokens this row may produce, the forced one included (>= 1). */
  budget: number;
  /** Seed of the row's sampling; default seed + (its fork number). */
  seed?: number;
}

/** A change to the forked rows after a base step: rows (by fork number) to drop, and new budgets. */
export interface RowRevision {
  drop: number[];
  budgets: [row: number, budget: number][];
}

/**
 * After base step t's forks (`ended`: the base stopped at t): which forked rows leave the batch now and
 * which get a new budget. A row that has reached its new budget finishes there (cut to it if past it).
 */
export type ReviseRows = (t: number, ended: boolean) => RowRevision;

/**
 * Decodes the base trajectory of `promptIds` exactly as decodeTrajectory does (its rng, its recorded
 * steps) in batch row 0, and at each base step t forks the rows `fork(t, step)` names: each is a copy of
 * the base row that emits its forced token (scored from the base's step-t log-probs) and then samples
 * like decodeRows (the r-th forked row seeded with seed + r unless it names its seed) in the same batched
 * steps as the base. Rows are returned in fork order, a row `revise` dropped as undefined; the cache is
 * this function's own.
 */
export async function decodeRowsAlongside(model: Model, promptIds: number[], decode: DecodeOptions, fork: (t: number, step: DecodedStep) => ForkedRow[], opts: RowDecodeOptions, revise?: ReviseRows): Promise<{ base: Omit<DecodedTrajectory, 'cache'>; rows: (DecodedRow | undefined)[] }> {
  const V = model.config.vocab_size;
  const first = prefill(model, [promptIds]);
  first.logits.dispose();
  let cache = first.cache;
  const baseRng = createRng(decode.seed >>> 0);
  const base: Omit<DecodedTrajectory, 'cache'> = { steps: [], stoppedBy: 'length', promptLength: promptIds.length, logpAt: new Map() };
  const rows: Row[] = [];
  let baseInBatch = true; // batch row 0 is the base's; the others are rows[branchSlots[i]]
  let branchSlots: number[] = [];
  try {
    for (let t = 0; ; t++) {
      const logp = logSoftmaxRows((await cache.lastLogits!.data()) as Float32Array, V); // [A, V], the step's one read
      const keep: number[] = []; // batch rows of the next step, by their row in this step's cache
      const keptBranches: number[] = [];
      const next: number[] = [];
      const own = baseInBatch ? 1 : 0;
      branchSlots.forEach((r, i) => {
        const lp = logp.subarray((own + i) * V, (own + i + 1) * V);
        const token = pickToken(lp, opts, rows[r].rng);
        rows[r].tokens.push(token);
        rows[r].logprobs.push(lp[token]);
        if (!finishRow(rows[r], token, opts)) (keep.push(own + i), keptBranches.push(r), next.push(token));
      });
      if (baseInBatch) {
        const lp = logp.subarray(0, V);
        const step = baseStep(lp, decode, baseRng);
        base.steps.push(step);
        if (decode.keepLogp(step.alternatives)) base.logpAt.set(t, lp.slice());
        if (step.id === decode.stopTokenId) base.stoppedBy = 'stop_token';
        baseInBatch = step.id !== decode.stopTokenId && t + 1 < decode.maxNewTokens;
        if (baseInBatch) (keep.unshift(0), next.unshift(step.id));
        for (const f of fork(t, step)) {
          const row: Row = { tokens: [f.forcedToken], logprobs: [lp[f.forcedToken]], stoppedBy: 'length', rng: createRng((f.seed ?? opts.seed + rows.length) >>> 0), budget: Math.max(1, f.budget), done: false };
          rows.push(row);
          if (!finishRow(row, f.forcedToken, opts)) (keep.push(0), keptBranches.push(rows.length - 1), next.push(f.forcedToken));
        }
        if (revise) {
          applyRevision(rows, revise(t, !baseInBatch));
          const off = baseInBatch ? 1 : 0; // keep and next hold the base first while it continues
          const live = keptBranches.map((r, i) => (rows[r].done ? -1 : i)).filter((i) => i >= 0);
          if (live.length < keptBranches.length) {
            keep.splice(off, keep.length - off, ...live.map((i) => keep[off + i]));
            next.splice(off, next.length - off, ...live.map((i) => next[off + i]));
            keptBranches.splice(0, keptBranches.length, ...live.map((i) => keptBranches[i]));
          }
        }
      }
      if (keep.length === 0) break;
      branchSlots = keptBranches;
      cache = rebatch(cache, keep, logp, V);
      decodeStep(model, cache, next).dispose();
    }
  } finally {
    cache.dispose();
  }
  return { base, rows: rows.map(({ tokens, logprobs, stoppedBy, dropped }) => (dropped ? undefined : { tokens, logprobs, stoppedBy })) };
}

/** Drops rows and lowers budgets; a row at or past its new budget is done. */
function applyRevision(rows: Row[], rev: RowRevision): void {
  for (const r of rev.drop) rows[r].dropped = rows[r].done = true;
  for (const [r, budget] of rev.budgets) {
    const row = rows[r];
    row.budget = Math.max(1, budget);
    if (row.tokens.length > row.budget) {
      row.tokens.length = row.logprobs.length = row.budget;
      row.stoppedBy = 'length';
    }
    if (row.tokens.length === row.budget) row.done = true;
  }
}

/** Marks a row done after `token` (its stop token or its budget); true when it is. */
function finishRow(row: Row, token: number, opts: RowDecodeOptions): boolean {
  if (token === opts.stopTokenId) row.stoppedBy = 'stop_token';
  row.done = token === opts.stopTokenId || row.tokens.length >= row.budget;
  return row.done;
}

/** The base's step from its [V] log-probs: decodeTrajectory's choice and record. */
function baseStep(lp: Float32Array, decode: DecodeOptions, rng: Rng): DecodedStep {
  const id = pickToken(lp, decode, rng);
  return { id, logprob: lp[id], alternatives: topIndices(lp, decode.recordTopK).map((a) => ({ id: a, prob: Math.exp(lp[a]) })) };
}

/**
 * The cache with rows `keep` of `cache` (disposed if replaced). The first fork of a lone base row stores
 * the prefix once for all rows (forkCachesAt's shared prefix); later changes are plain selects.
 */
function rebatch(cache: KVCache, keep: number[], logp: Float32Array, V: number): KVCache {
  if (keep.length === cache.batch && keep.every((r, i) => r === i)) return cache;
  const next = cache.batch === 1 && keep.length > 1 && !cache.shared
    ? forkCachesAt(keep.map((row) => ({ cache, row, length: cache.length, logp: logp.subarray(row * V, (row + 1) * V) })))
    : cache.select(keep);
  cache.dispose();
  return next;
}
