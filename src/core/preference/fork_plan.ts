// Choosing token-mode branches while the base decodes (forkWhileDecoding): fork every alternative that
// may still be chosen as the base reaches its step, drop rows as soon as they cannot be, and keep exactly
// the two-phase choice once the base is done. Decodes nothing itself; the final choice is the caller's.
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { TOOL_CALL_CLOSE, parseCalls } from '../scoring/parse_calls.ts';
import type { BranchChooser, BranchRequest } from './branching.ts';
import type { RowRevision } from './branch_decode.ts';
import type { PreferenceConfig, SpanType } from './config.ts';
import { spanAllowed, stepDivergence, type TokenAlt } from './divergence.ts';
import { callSpans, classifyTokens } from './spans.ts';
import type { DecodedStep, DecodedTrajectory } from './trajectory.ts';
import type { TurnContext } from './turn_context.ts';

/** A step that may become a divergence point. `rows[k]`: the fork number of alternative k, while it is kept. */
interface Candidate {
  index: number;
  top1Prob: number;
  alternatives: TokenAlt[];
  /** in: its span is allowed; pending: its span type is not known yet. */
  status: 'in' | 'pending';
  rows: number[];
}

export interface ForkPlan {
  choose: BranchChooser;
  /** After base step t: drops the rows that can no longer be chosen; at the end, all but the final choice. */
  revise: (t: number, ended: boolean) => RowRevision;
  /** performance.now() when the base ended (branches still running past it are the unoverlapped part). */
  endedAt: () => number;
}

/**
 * `finalChoice` is the two-phase choice over the whole base (spans from the whole text, budget over all
 * uncertain steps); the plan forks a superset of it, so the kept rows are exactly those requests.
 *
 * While decoding, a candidate's span type is known at once on a text turn (every token is format) or
 * with `spans: []`, and for a call turn once its call is closed: parseCalls reads tagged calls one after
 * another, so a well-formed `<tool_call>...</tool_call>` in the prefix is one of the whole text's calls
 * and the whole text's spans are its own calls' (spans.ts), the same up to that closing tag. Until then
 * the candidate keeps its rows. The budget (budgetDivergences: lowest top-1 first, then earliest) gives
 * a candidate min(its alternatives, budget - the alternatives of the points ranked before it); counting
 * only the candidates known to be in gives an upper bound, which only falls as more become known.
 */
export function planForks(tokenizer: Tokenizer, ctx: TurnContext, cfg: PreferenceConfig, branchSeed: number, finalChoice: (base: Omit<DecodedTrajectory, 'cache' | 'logpAt'>) => BranchRequest[]): ForkPlan {
  const steps: DecodedStep[] = [];
  const ends: number[] = []; // ends[i]: length of the decoded first i + 1 tokens (as viewTrajectory's ranges)
  const candidates = new Map<number, Candidate>();
  const typesKnown = ctx.turnType === 'text' || cfg.spans.length === 0;
  const textSpan: SpanType = 'format'; // a text turn's every token (token_pairs.ts viewTrajectory)
  let closedUpTo = 0; // characters up to the end of the last closing tag parsed
  let forks = 0;
  let dropped: number[] = []; // rows of candidates found out of the allowed spans, not yet reported
  let endedAt = 0;

  const ahead = (a: Candidate, b: Candidate): boolean => a.top1Prob < b.top1Prob || (a.top1Prob === b.top1Prob && a.index < b.index);
  const share = (c: Candidate): number => {
    let before = 0;
    for (const q of candidates.values()) if (q !== c && q.status === 'in' && ahead(q, c)) before += q.alternatives.length;
    return Math.min(c.alternatives.length, Math.max(0, cfg.maxBranchesPerPrompt - before));
  };

  /** Types the pending candidates up to the last closed call, once the prefix has a well-formed tagged call. */
  const settleSpans = (prefix: string): void => {
    const close = prefix.lastIndexOf(TOOL_CALL_CLOSE);
    if (close < 0 || close + TOOL_CALL_CLOSE.length <= closedUpTo) return;
    const calls = parseCalls(prefix).calls;
    if (calls.length === 0 || callSpans(prefix).length === 0) return;
    const end = prefix.indexOf(TOOL_CALL_CLOSE, calls[calls.length - 1].span[1]);
    if (end < 0) return;
    closedUpTo = end + TOOL_CALL_CLOSE.length;
    const ranges = ends.map((e, i): [number, number] => [i ? ends[i - 1] : 0, e]);
    const types = classifyTokens(prefix, ranges, ctx.truthText + ctx.eosText);
    for (const c of [...candidates.values()]) {
      if (c.status !== 'pending' || ends[c.index] > closedUpTo) continue;
      if (spanAllowed(types[c.index], cfg)) c.status = 'in';
      else {
        candidates.delete(c.index);
        dropped.push(...c.rows);
      }
    }
  };

  const choose: BranchChooser = (t, step) => {
    steps.push(step);
    const skip = ctx.turnType === 'text' && (t > 0 || !spanAllowed(textSpan, cfg)); // token_pairs.ts: a text turn branches at token 0 only
    const point = skip ? undefined : stepDivergence(step, cfg);
    const c: Candidate | undefined = point && { index: t, top1Prob: point.uncertainty.top1Prob, alternatives: point.alternatives, status: typesKnown ? 'in' : 'pending', rows: [] };
    if (c) candidates.set(t, c);
    if (!typesKnown) {
      const prefix = tokenizer.decode(steps.map((s) => s.id));
      ends.push(prefix.length);
      settleSpans(prefix);
    }
    if (!c || !candidates.has(t)) return [];
    return c.alternatives.slice(0, share(c)).map((a, k) => {
      c.rows.push(forks++);
      return { forcedToken: a.id, seed: branchSeed + t * cfg.maxAltsPerPoint + k };
    });
  };

  const revise = (_t: number, ended: boolean): RowRevision => {
    if (ended) return finish();
    const drop = dropped;
    dropped = [];
    for (const c of candidates.values()) {
      const n = share(c);
      if (n < c.rows.length) drop.push(...c.rows.splice(n));
    }
    return { drop, budgets: [] };
  };

  /** The final choice: every other row is dropped, and the kept ones get their budgets. */
  const finish = (): RowRevision => {
    endedAt = performance.now();
    const stoppedBy = steps[steps.length - 1]?.id === ctx.eosId ? 'stop_token' : 'length';
    const requests = finalChoice({ steps, stoppedBy, promptLength: ctx.promptIds.length });
    const kept = new Set<number>();
    const budgets: [number, number][] = [];
    for (const req of requests) {
      const c = candidates.get(req.index);
      const row = c?.rows[c.alternatives.findIndex((a) => a.id === req.forcedToken)];
      if (row === undefined) throw new Error(`forkWhileDecoding: the branch at step ${req.index} was not forked (a bug; forkWhileDecoding: false avoids it)`);
      kept.add(row);
      if (req.budget !== undefined) budgets.push([row, req.budget]);
    }
    const drop = [...dropped, ...[...candidates.values()].flatMap((c) => c.rows).filter((r) => !kept.has(r))];
    return { drop, budgets };
  };

  return { choose, revise, endedAt: () => endedAt };
}
