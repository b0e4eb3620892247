// Generation for evaluation and the live prompt: each assistant turn of a sample is generated from
// the conversation before it (greedy, KV-cached), and returned as text for the data worker to score.
import { END_OF_TURN, renderConversation } from '../src/core/data/chat_format.ts';
import type { Message } from '../src/core/data/messages.ts';
import { generate } from '../src/core/model/sampling.ts';
import type { ToolSchema } from '../src/core/tools/schema.ts';
import type { PredictRequest, Prediction } from '../src/protocol.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';

export interface CompleteOptions {
  maxNewTokens: number;
  seed: number;
}

/** The model's next assistant turn after `messages`, without the end-of-turn marker. */
export async function completeTurn(session: Session, messages: Message[], tools: ToolSchema[], o: CompleteOptions): Promise<{ text: string; tokens: number }> {
  const tok = session.tokenizer;
  const prompt = renderConversation(messages, tools, { template: tok.chatTemplate, extra: tok.templateVars, addGenerationPrompt: true });
  const maxPrompt = session.model.config.max_position_embeddings - o.maxNewTokens;
  const ids = tok.encode(prompt).slice(-Math.max(1, maxPrompt));
  const r = await generate(session.model, ids, { maxNewTokens: o.maxNewTokens, temperature: 0, seed: o.seed, stopTokenIds: [tok.eosTokenId], recordTopK: 1 });
  const text = tok.decode(r.tokens, { skipSpecial: false });
  const end = text.indexOf(END_OF_TURN);
  return { text: end >= 0 ? text.slice(0, end) : text, tokens: r.tokens.length };
}

export async function predictJob(session: Session, request: PredictRequest, job: Job): Promise<Prediction[]> {
  const { maxNewTokens, seed } = request.config as { maxNewTokens: number; seed: number };
  const turns = request.samples.flatMap((s) => s.messages.flatMap((m, i) => (m.role === 'assistant' ? [{ s, i }] : [])));
  job.setTotal(turns.length);
  const out: Prediction[] = [];
  for (const [n, { s, i }] of turns.entries()) {
    if (await job.shouldStop()) break;
    const r = await completeTurn(session, s.messages.slice(0, i), s.tools, { maxNewTokens, seed });
    out.push({ sampleId: s.id, turn: i, text: r.text });
    job.report(n + 1, {}, request.label ? `${request.label}: turn ${n + 1}/${turns.length}` : undefined);
  }
  return out;
}
