// Evaluation of a model on samples: every assistant turn is decoded greedily, in batches, then scored by
// scoring/evaluate.ts. Turns are teacher-forced (the history is the ground truth), so all prompts are known
// up front: a first pass collects them, batched greedy decoding answers them, a second pass scores.
import type { Sample } from '../data/sample.ts';
import type { Message } from '../data/messages.ts';
import type { Model } from '../model/params.ts';
import { evaluateSamples, type EvalReport } from '../scoring/evaluate.ts';
import type { ToolSchema } from '../tools/schema.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { callTokenId } from './call_decision.ts';
import { greedyTurns } from './greedy.ts';

export interface EvalModelOptions {
  maxNewTokens: number;
  batchSize: number;
  /** Added to the log-prob of the token that opens a tool call at each turn's first step (0: plain greedy). */
  callBias?: number;
  onProgress?(done: number, total: number): void;
}

export async function evaluateModel(model: Model, tokenizer: Tokenizer, samples: readonly Sample[], opts: EvalModelOptions): Promise<EvalReport> {
  const prompts: { messages: Message[]; tools: ToolSchema[] }[] = [];
  await evaluateSamples(samples, async (messages, tools) => {
    prompts.push({ messages, tools });
    return '';
  });
  const firstStepBias = opts.callBias ? { token: callTokenId(tokenizer), bias: opts.callBias } : undefined;
  const texts = await greedyTurns(model, tokenizer, prompts, { maxNewTokens: opts.maxNewTokens, batchSize: opts.batchSize, firstStepBias, onProgress: opts.onProgress });
  let next = 0;
  return evaluateSamples(samples, async () => texts[next++]);
}

/** The headline number: 1 − exact-match accuracy over all assistant turns. */
export const errorRate = (r: EvalReport): number => 1 - r.overall.exactMatch;
