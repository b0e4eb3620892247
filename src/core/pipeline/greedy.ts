// Batched greedy decoding of assistant turns for evaluation: render each conversation with the chat
// template's generation prompt, decode prompts of similar length together, return the turn's text.
// No scoring here (scoring/ does that) and no sampling: evaluation is deterministic.
import { renderConversation } from '../data/chat_format.ts';
import type { Message } from '../data/messages.ts';
import type { Model } from '../model/params.ts';
import { generateBatch, type GenerateStep } from '../model/sampling.ts';
import type { ToolSchema } from '../tools/schema.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface GreedyOptions {
  maxNewTokens: number;
  /** Prompts decoded together, >= 1. */
  batchSize: number;
  /** Prompts longer than this keep their last tokens (default: the model's max positions - maxNewTokens). */
  maxPromptTokens?: number;
  onProgress?(done: number, total: number): void;
  /** Shifts the first token's choice (SampleOptions.firstStepBias), e.g. the call-or-answer decision. */
  firstStepBias?: { token: number; bias: number };
  /** Log-probs recorded at the first step (GreedyTurn.first.recorded). */
  recordTokens?: number[];
}

/** A decoded turn with its first step (the chosen token, the top 2 and any recorded tokens). */
export interface GreedyTurn {
  text: string;
  first: GenerateStep | undefined;
}

export interface TurnPrompt {
  messages: Message[];
  tools: ToolSchema[];
}

/**
 * The assistant text each conversation continues with, end-of-turn marker removed. Prompts are sorted
 * by length into batches (less padding); results come back in input order.
 */
export async function greedyTurns(model: Model, tokenizer: Tokenizer, prompts: TurnPrompt[], opts: GreedyOptions): Promise<string[]> {
  return (await greedyTurnsWithFirstStep(model, tokenizer, prompts, opts)).map((t) => t.text);
}

/** greedyTurns, keeping each turn's first step. */
export async function greedyTurnsWithFirstStep(model: Model, tokenizer: Tokenizer, prompts: TurnPrompt[], opts: GreedyOptions): Promise<GreedyTurn[]> {
  const limit = opts.maxPromptTokens ?? model.config.max_position_embeddings - opts.maxNewTokens;
  const ids = prompts.map((p) => {
    const text = renderConversation(p.messages, p.tools, { template: tokenizer.chatTemplate, extra: tokenizer.templateVars, addGenerationPrompt: true });
    const all = tokenizer.encode(text);
    return all.length > limit ? all.slice(all.length - limit) : all;
  });
  const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
  const out: GreedyTurn[] = new Array(prompts.length);
  for (let s = 0; s < order.length; s += opts.batchSize) {
    const group = order.slice(s, s + opts.batchSize);
    const results = await generateBatch(model, group.map((i) => ids[i]), {
      maxNewTokens: opts.maxNewTokens, temperature: 0, seed: 0, stopTokenIds: [tokenizer.eosTokenId], recordTopK: 2,
      firstStepBias: opts.firstStepBias, recordTokens: opts.recordTokens,
    });
    group.forEach((i, k) => {
      const tokens = results[k].tokens.filter((t) => t !== tokenizer.eosTokenId);
      out[i] = { text: tokenizer.decode(tokens, { skipSpecial: true }), first: results[k].steps[0] };
    });
    opts.onProgress?.(Math.min(s + opts.batchSize, order.length), order.length);
  }
  return out;
}
