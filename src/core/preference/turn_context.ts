// One prompt of the sampler: a sample's conversation up to an assistant turn (tool calls or plain text),
// rendered and tokenized, with its ground-truth completion and an ESM scorer against that truth. No decoding here.
import { renderConversation, type RenderOptions } from '../data/chat_format.ts';
import { toCall, type Call, type Message } from '../data/messages.ts';
import type { Sample } from '../data/sample.ts';
import type { Model } from '../model/params.ts';
import { tokenLogProbs } from '../model/logprobs.ts';
import { tf } from '../runtime/tf.ts';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from '../scoring/config.ts';
import type { ErrorCategory } from '../scoring/errors.ts';
import { scoreTurn } from '../scoring/esm.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface Scored {
  esm: number;
  categories: ErrorCategory[];
}

export interface TurnContext {
  sample: Sample;
  turnIndex: number;
  /** What the ground truth is: tool calls, or plain text (an irrelevance answer, a final answer after tool results). */
  turnType: TurnType;
  /** Messages before the turn. */
  prompt: Message[];
  promptIds: number[];
  /** The ground-truth calls; empty for a text turn. */
  truth: Call[];
  /** The ground-truth turn as the template renders it, without the end-of-turn marker. */
  truthText: string;
  /** The end-of-turn token's text (`<|im_end|>`). */
  eosText: string;
  eosId: number;
  /** ESM of a completion by scoring's scoreTurn: for a text turn (no call due) plain text scores 1, any call 0. */
  score(text: string): Scored;
}

export type TurnType = 'call' | 'text';

/** Indices of the assistant messages that make tool calls. */
export function toolCallTurns(sample: Sample): number[] {
  return sample.messages.flatMap((m, i) => (m.role === 'assistant' && m.tool_calls?.length ? [i] : []));
}

/**
 * Indices of the assistant turns pairs are built for: the tool-call turns, and with `includeTextTurns`
 * the plain-text ones too (an empty answer has nothing to choose and is left out).
 */
export function pairTurns(sample: Sample, includeTextTurns: boolean): number[] {
  if (!includeTextTurns) return toolCallTurns(sample);
  return sample.messages.flatMap((m, i) => (m.role === 'assistant' && (m.tool_calls?.length || m.content.trim() !== '') ? [i] : []));
}

export function buildTurnContext(tokenizer: Tokenizer, sample: Sample, turnIndex: number, scoring: ScoringConfig = DEFAULT_SCORING_CONFIG): TurnContext {
  const turn = sample.messages[turnIndex];
  if (!turn || turn.role !== 'assistant') throw new Error(`sample ${sample.id}: message ${turnIndex} is not an assistant turn`);
  const render: RenderOptions = { template: tokenizer.chatTemplate, extra: tokenizer.templateVars };
  const prompt = sample.messages.slice(0, turnIndex);
  const promptText = renderConversation(prompt, sample.tools, { ...render, addGenerationPrompt: true });
  const full = renderConversation(sample.messages.slice(0, turnIndex + 1), sample.tools, render);
  if (!full.startsWith(promptText)) throw new Error(`sample ${sample.id}: the chat template is not prefix-stable at message ${turnIndex}`);
  const eosText = tokenizer.decode([tokenizer.eosTokenId]);
  const rest = full.slice(promptText.length);
  const end = rest.indexOf(eosText);
  const truth = (turn.tool_calls ?? []).map(toCall);
  return {
    sample,
    turnIndex,
    turnType: truth.length ? 'call' : 'text',
    prompt,
    promptIds: tokenizer.encode(promptText),
    truth,
    truthText: end >= 0 ? rest.slice(0, end) : rest,
    eosText,
    eosId: tokenizer.eosTokenId,
    score: (text) => {
      const r = scoreTurn(text, truth, sample.tools, scoring);
      return { esm: r.esm, categories: [...new Set(r.errors.map((e) => e.category))] };
    },
  };
}

/** Policy log-probabilities of `suffix` after `prefix` by one full forward (teacher forcing). */
export function forwardLogprobs(model: Model, prefix: number[], suffix: number[]): number[] {
  if (suffix.length === 0) return [];
  const all = [...prefix, ...suffix];
  const T = all.length - 1;
  const lp = tf.tidy(() => tokenLogProbs(model, tf.tensor2d(all.slice(0, T), [1, T], 'int32'), tf.tensor2d(all.slice(1), [1, T], 'int32'))); // [1, T]
  const values = Array.from(lp.dataSync());
  lp.dispose();
  return values.slice(T - suffix.length);
}
