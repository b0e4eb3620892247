// Generation for evaluation and the live prompt: each assistant turn of a sample is generated from
// the conversation before it (greedy, KV-cached, batched by core), returned as text for the data worker to score.
import { END_OF_TURN, renderConversation } from '../src/core/data/chat_format.ts';
import type { Message } from '../src/core/data/messages.ts';
import { generate } from '../src/core/model/sampling.ts';
import { callTokenId } from '../src/core/pipeline/call_decision.ts';
import { greedyTurns } from '../src/core/pipeline/greedy.ts';
import type { ToolSchema } from '../src/core/tools/schema.ts';
import type { PredictRequest, Prediction } from '../src/protocol.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';
import { resolveStageConfig } from './stage_config.ts';

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

/** Every assistant turn, teacher-forced (history = ground truth), decoded greedily in batches by core. */
export async function predictJob(session: Session, request: PredictRequest, job: Job): Promise<Prediction[]> {
  const { maxNewTokens, batchSize, callBias } = resolveStageConfig('evaluate', request.config) as { maxNewTokens: number; batchSize: number; callBias: number };
  // the call-or-answer threshold moved as `ttpa eval --call-bias` moves it (pipeline/evaluate_model.ts)
  const firstStepBias = callBias ? { token: callTokenId(session.tokenizer), bias: callBias } : undefined;
  const turns = request.samples.flatMap((s) => s.messages.flatMap((m, i) => (m.role === 'assistant' ? [{ s, i }] : [])));
  job.setTotal(turns.length);
  const out: Prediction[] = [];
  // Chunks of a few batches, so pause and stop are honoured between them.
  const chunk = Math.max(1, batchSize) * 2;
  for (let k = 0; k < turns.length; k += chunk) {
    if (await job.shouldStop()) break;
    const part = turns.slice(k, k + chunk);
    const texts = await greedyTurns(session.model, session.tokenizer, part.map(({ s, i }) => ({ messages: s.messages.slice(0, i), tools: s.tools })), { maxNewTokens, batchSize, firstStepBias });
    part.forEach(({ s, i }, j) => out.push({ sampleId: s.id, turn: i, text: texts[j] }));
    job.report(out.length, {}, request.label ? `${request.label}: turn ${out.length}/${turns.length}` : undefined);
  }
  return out;
}
