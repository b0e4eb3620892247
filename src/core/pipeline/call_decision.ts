// The call-or-answer decision of greedy evaluation, measured: every assistant turn is decoded greedily
// recording its first-step margin (log p of the token that opens a tool call minus the best other
// token's), and each turn within `span` of the threshold is decoded again with the other first decision.
// Both texts are scored; scoring/call_calibration.ts turns them into the evaluation at any bias.
import type { Sample } from '../data/sample.ts';
import type { Message } from '../data/messages.ts';
import type { Model } from '../model/params.ts';
import { biasPoint, chooseBias, reportAtBias, scanBiases, type BiasPoint, type DecisionTurn } from '../scoring/call_calibration.ts';
import { evaluateSamples, type EvalReport } from '../scoring/evaluate.ts';
import { TOOL_CALL_OPEN } from '../scoring/parse_calls.ts';
import type { ToolSchema } from '../tools/schema.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { greedyTurnsWithFirstStep, type GreedyTurn, type TurnPrompt } from './greedy.ts';

export interface DecisionOptions {
  maxNewTokens: number;
  batchSize: number;
  /** Turns with |margin| <= span (nats) are decoded the other way too. */
  span: number;
  onProgress?(done: number, total: number): void;
}

/** The id of the single token that opens a call; calibration needs the template to have one. */
export function callTokenId(tokenizer: Tokenizer): number {
  const id = tokenizer.tokenToId(TOOL_CALL_OPEN);
  if (id === undefined) throw new Error(`the tokenizer has no single ${TOOL_CALL_OPEN} token, so the call-or-answer decision is not one token and cannot be biased`);
  return id;
}

/** First-step margin: the call token against the best other token (top 2 are recorded). */
export function firstStepMargin(turn: GreedyTurn, callId: number): { margin: number; called: boolean } {
  const first = turn.first;
  if (!first?.recorded) throw new Error('firstStepMargin: the first step was not recorded');
  const callLogp = first.recorded[0];
  if (first.token !== callId) return { margin: callLogp - first.logprob, called: false };
  const other = first.alternatives.find((a) => a.token !== callId);
  return { margin: other ? callLogp - other.logprob : Infinity, called: true };
}

export async function decodeDecisions(model: Model, tokenizer: Tokenizer, samples: readonly Sample[], opts: DecisionOptions): Promise<DecisionTurn[]> {
  const callId = callTokenId(tokenizer);
  const prompts: TurnPrompt[] = [];
  await evaluateSamples(samples, async (messages: Message[], tools: ToolSchema[]) => {
    prompts.push({ messages, tools });
    return '';
  });
  const greedyOpts = { maxNewTokens: opts.maxNewTokens, batchSize: opts.batchSize };
  const greedy = await greedyTurnsWithFirstStep(model, tokenizer, prompts, { ...greedyOpts, recordTokens: [callId], onProgress: opts.onProgress });
  const margins = greedy.map((t) => firstStepMargin(t, callId));
  const near = margins.map((m, i) => (Math.abs(m.margin) <= opts.span ? i : -1)).filter((i) => i >= 0);
  const flipped: (string | null)[] = greedy.map(() => null);
  for (const toCall of [true, false]) {
    const rows = near.filter((i) => margins[i].called !== toCall);
    const bias = toCall ? Infinity : -Infinity; // forces (or forbids) the call token at the first step
    const texts = await greedyTurnsWithFirstStep(model, tokenizer, rows.map((i) => prompts[i]), { ...greedyOpts, firstStepBias: { token: callId, bias } });
    rows.forEach((i, k) => { flipped[i] = texts[k].text; });
  }
  let next = 0;
  const greedyReport = await evaluateSamples(samples, async () => greedy[next++].text);
  next = 0;
  const flippedReport = await evaluateSamples(samples, async () => flipped[next++] ?? '');
  return greedyReport.turns.map((t, i) => ({ margin: margins[i].margin, called: margins[i].called, greedy: t, flipped: flipped[i] === null ? null : flippedReport.turns[i] }));
}

/** The bias chosen on a split: every point of the grid, bias 0's, and the lowest error's. */
export interface BiasChoice {
  turns: number;
  /** Turns decoded the other way too (within the span). */
  flipsDecoded: number;
  /** chosen and greedy (bias 0) are elements of points. */
  points: BiasPoint[];
  greedy: BiasPoint;
  chosen: BiasPoint;
}

/** Scans `grid` (which must hold 0) over a split's decoded turns and takes the lowest error (chooseBias). */
export function chooseOnValidation(samples: number, turns: readonly DecisionTurn[], grid: readonly number[]): BiasChoice {
  const points = scanBiases(samples, turns, grid);
  const greedy = points.find((p) => p.bias === 0);
  if (!greedy) throw new Error('chooseOnValidation: the grid must hold bias 0');
  return { turns: turns.length, flipsDecoded: flips(turns), points, greedy, chosen: chooseBias(points) };
}

const flips = (turns: readonly DecisionTurn[]): number => turns.filter((t) => t.flipped).length;

/** A model's calibration: the validation points and chosen bias, and the test set read at 0 and at that bias. */
export interface DecisionCalibration {
  val: BiasChoice;
  test?: { turns: number; flipsDecoded: number; greedy: BiasPoint; calibrated: BiasPoint; greedyReport: EvalReport; calibratedReport: EvalReport };
}

/**
 * Decodes the validation samples (and the test samples, when given) with decodeDecisions, takes the bias of `grid`
 * with the lowest validation error (chooseBias) and reads the test set at bias 0 and at it. `ttpa calibrate` and
 * the loop's calibrate stage both call this.
 */
export async function calibrateDecision(model: Model, tokenizer: Tokenizer, val: readonly Sample[], test: readonly Sample[] | undefined,
  opts: Omit<DecisionOptions, 'onProgress'> & { grid: readonly number[]; onProgress?(what: 'validation' | 'test', done: number, total: number): void }): Promise<DecisionCalibration> {
  const decide = (samples: readonly Sample[], what: 'validation' | 'test') => decodeDecisions(model, tokenizer, samples, {
    maxNewTokens: opts.maxNewTokens, batchSize: opts.batchSize, span: opts.span, onProgress: (done, total) => opts.onProgress?.(what, done, total),
  });
  const result: DecisionCalibration = { val: chooseOnValidation(val.length, await decide(val, 'validation'), opts.grid) };
  const chosen = result.val.chosen;
  if (test) {
    const testTurns = await decide(test, 'test');
    const greedyReport = reportAtBias(test.length, testTurns, 0);
    const calibratedReport = reportAtBias(test.length, testTurns, chosen.bias);
    result.test = {
      turns: testTurns.length, flipsDecoded: flips(testTurns), greedyReport, calibratedReport,
      greedy: biasPoint(greedyReport.turns, 0), calibrated: biasPoint(calibratedReport.turns, chosen.bias),
    };
  }
  return result;
}
