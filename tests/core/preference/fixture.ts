// Shared test setup for the preference sampler: a BPE tokenizer trained on a few rendered samples,
// tiny seeded models, and a model taught (a few Adam steps) to call get_weather with two equally
// likely cities, so greedy decoding is uncertain exactly at the value. Not a test file itself.
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { tf } from '../../../src/core/runtime/tf.ts';
import { renderConversation } from '../../../src/core/data/chat_format.ts';
import type { Sample } from '../../../src/core/data/sample.ts';
import { resolveModelConfig } from '../../../src/core/model/config.ts';
import { createModel, type Model } from '../../../src/core/model/params.ts';
import { tokenLogProbs } from '../../../src/core/model/logprobs.ts';
import { buildTokenizerConfig, trainDefaultTokenizer } from '../../../src/core/tokenizer/default_tokenizer.ts';
import { loadTokenizer, type Tokenizer } from '../../../src/core/tokenizer/tokenizer.ts';
import type { ToolSchema } from '../../../src/core/tools/schema.ts';

export const TOOLS: ToolSchema[] = [{
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
}, {
  type: 'function',
  function: { name: 'get_time', description: 'Local time', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

export function weatherSample(id: string, city: string, question = 'What is the weather in the city?'): Sample {
  return {
    id,
    tools: TOOLS,
    meta: { category: 'single', domains: ['weather'] },
    messages: [
      { role: 'user', content: question },
      { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city, days: 2 } } }] },
      { role: 'tool', name: 'get_weather', content: '{"temp": 21}' },
      { role: 'assistant', content: 'It is 21 degrees.' },
    ],
  };
}

export const SAMPLES: Sample[] = [weatherSample('paris', 'Paris'), weatherSample('berlin', 'Berlin'), weatherSample('rome', 'Rome', 'Weather in Rome please')];

let tokenizer: Tokenizer | undefined;
export function testTokenizer(): Tokenizer {
  if (!tokenizer) {
    const corpus = SAMPLES.map((s) => renderConversation(s.messages, s.tools));
    const tj = trainDefaultTokenizer(corpus, { vocabSize: 300 });
    tokenizer = loadTokenizer(tj, buildTokenizerConfig(tj));
  }
  return tokenizer;
}

/** The wasm backend (several times faster than cpu for these tests). */
export async function useWasm(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not start');
  await tf.ready();
}

/** A random tiny model with weights x10 (std 0.2), so its outputs depend sharply on every input and position. */
export function randomModel(seed = 1): Model {
  const m = createModel(resolveModelConfig('tiny', { vocab_size: testTokenizer().vocabSize, max_position_embeddings: 512 }), seed);
  for (const v of Object.values(m.params)) if (v.shape.length > 1) v.assign(tf.tidy(() => tf.mul(v, 10)));
  return m;
}

/** A tiny model trained on `samples` up to their first tool-call turn (loss on the assistant turn). */
export function trainedModel(samples: Sample[], steps = 70, seed = 3, lr = 0.01): Model {
  const tok = testTokenizer();
  const model = createModel(resolveModelConfig('tiny', { vocab_size: tok.vocabSize, hidden_size: 64, intermediate_size: 128, max_position_embeddings: 512 }), seed);
  const prompts = samples.map((s) => tok.encode(renderConversation(s.messages.slice(0, 1), s.tools, { addGenerationPrompt: true })).length);
  const rows = samples.map((s) => tok.encode(renderConversation(s.messages.slice(0, 2), s.tools)));
  const T = Math.max(...rows.map((r) => r.length)) - 1;
  const pad = (r: number[]): number[] => [...r, ...new Array<number>(T + 1 - r.length).fill(tok.padTokenId)];
  const ids = rows.map(pad);
  // Loss on the assistant turn only (targets from the first completion token on).
  const mask = rows.map((r, i) => Array.from({ length: T }, (_, t) => (t + 1 >= prompts[i] && t + 1 < r.length ? 1 : 0)));
  const opt = tf.train.adam(lr);
  const vars = Object.values(model.params);
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const input = tf.tensor2d(ids.map((r) => r.slice(0, T)).flat(), [ids.length, T], 'int32');
      const target = tf.tensor2d(ids.map((r) => r.slice(1)).flat(), [ids.length, T], 'int32');
      const m = tf.tensor2d(mask.flat(), [ids.length, T]);
      opt.minimize(() => tf.neg(tf.div(tf.sum(tf.mul(tokenLogProbs(model, input, target), m)), tf.sum(m))) as tf.Scalar, false, vars);
    });
  }
  opt.dispose();
  return model;
}
