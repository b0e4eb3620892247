// SFT data: Samples rendered through the chat template, tokenized segment by segment with a loss mask,
// then padded into [B, T] batches; parses JSONL text. It does not read files (the CLI does) or run the model.
import { readJsonl, throwFirstError } from '../data/jsonl.ts';
import { renderSegments } from '../data/chat_format.ts';
import type { Sample } from '../data/sample.ts';
import { tf } from '../runtime/tf.ts';
import type { Rng } from '../rng.ts';

/** The part of the tokenizer SFT needs (src/core/tokenizer's Tokenizer satisfies it). */
export interface SftTokenizer {
  encode(text: string): number[];
  padTokenId: number;
  chatTemplate: string;
  templateVars?: Record<string, string>;
}

/** One tokenized sample; lossMask[i] = 1 when token i is a training target. */
export interface EncodedSample {
  ids: number[];
  lossMask: number[];
}

export interface EncodeReport {
  samples: EncodedSample[];
  /** Samples longer than seqLen, cut at the end. */
  truncated: number;
  /** Samples left with no trained target token (e.g. the assistant turn was cut off), dropped. */
  dropped: number;
}

export interface EncodeOptions {
  seqLen: number;
  trainOn: 'assistant' | 'all';
}

/**
 * Tokenizes each rendered segment on its own and concatenates, so every token belongs to exactly
 * one segment and the mask boundary is exact (a BPE merge never straddles prompt and answer).
 */
export function encodeSample(sample: Sample, tokenizer: SftTokenizer, trainOn: EncodeOptions['trainOn']): EncodedSample {
  const segments = renderSegments(sample.messages, sample.tools, { template: tokenizer.chatTemplate, extra: tokenizer.templateVars });
  const ids: number[] = [];
  const lossMask: number[] = [];
  for (const seg of segments) {
    const segIds = tokenizer.encode(seg.text);
    const m = trainOn === 'all' || seg.train ? 1 : 0;
    for (const id of segIds) {
      ids.push(id);
      lossMask.push(m);
    }
  }
  return { ids, lossMask };
}

/** Longest text one token stands for, as far as truncation before tokenising assumes. */
const MAX_CHARS_PER_TOKEN = 64;

export function encodeSamples(samples: Sample[], tokenizer: SftTokenizer, options: EncodeOptions): EncodeReport {
  const out: EncodedSample[] = [];
  let truncated = 0;
  let dropped = 0;
  // Text past seqLen tokens is cut before tokenising: a token covers at most MAX_CHARS_PER_TOKEN chars
  // in any real vocabulary, so no message needs more than seqLen of them (a 50 MB message would
  // otherwise cost ~90 bytes per character to tokenise, only to be thrown away).
  const maxChars = options.seqLen * MAX_CHARS_PER_TOKEN;
  for (const sample of samples) {
    const messages = sample.messages.map((m) => (m.content.length > maxChars ? { ...m, content: m.content.slice(0, maxChars) } : m));
    let e = encodeSample({ ...sample, messages, tools: sample.tools ?? [] }, tokenizer, options.trainOn);
    if (e.ids.length > options.seqLen) {
      truncated += 1;
      e = { ids: e.ids.slice(0, options.seqLen), lossMask: e.lossMask.slice(0, options.seqLen) };
    }
    // Token 0 is never a target (nothing predicts it), so a sample needs a trained token after it.
    if (e.ids.length < 2 || !e.lossMask.slice(1).includes(1)) {
      dropped += 1;
      continue;
    }
    out.push(e);
  }
  return { samples: out, truncated, dropped };
}

/** Padded next-token batch; tensors are owned by the batch (disposeSftBatch). */
export interface SftBatch {
  inputIds: tf.Tensor2D; // [B, T] int32, ids[:-1] right-padded with padTokenId
  targetIds: tf.Tensor2D; // [B, T] int32, ids[1:]
  attentionMask: tf.Tensor2D; // [B, T] float32, 1 for real input tokens
  lossMask: tf.Tensor2D; // [B, T] float32, 1 for trained targets
  /** Trained target tokens (the batch's weight in a step). */
  targetTokens: number;
  /** Real input tokens (for tokens/s). */
  inputTokens: number;
}

/** Right padding: with causal attention real positions never see the pads, so padding is exact. */
export function makeSftBatch(samples: EncodedSample[], padTokenId: number): SftBatch {
  const B = samples.length;
  const T = Math.max(...samples.map((s) => s.ids.length)) - 1;
  const input = new Int32Array(B * T).fill(padTokenId);
  const target = new Int32Array(B * T).fill(padTokenId);
  const attn = new Float32Array(B * T);
  const loss = new Float32Array(B * T);
  let targetTokens = 0;
  let inputTokens = 0;
  samples.forEach((s, b) => {
    for (let t = 0; t < s.ids.length - 1; t++) {
      const i = b * T + t;
      input[i] = s.ids[t];
      target[i] = s.ids[t + 1];
      attn[i] = 1;
      loss[i] = s.lossMask[t + 1];
      targetTokens += s.lossMask[t + 1];
      inputTokens += 1;
    }
  });
  return {
    inputIds: tf.tensor2d(input, [B, T], 'int32'),
    targetIds: tf.tensor2d(target, [B, T], 'int32'),
    attentionMask: tf.tensor2d(attn, [B, T], 'float32'),
    lossMask: tf.tensor2d(loss, [B, T], 'float32'),
    targetTokens,
    inputTokens,
  };
}

export function disposeSftBatch(batch: SftBatch): void {
  tf.dispose([batch.inputIds, batch.targetIds, batch.attentionMask, batch.lossMask]);
}

/**
 * Length bucketing: a seeded shuffle, then within windows of 32 batches samples are sorted by
 * length and cut into batches, and the batches are shuffled again. Padding drops; order stays seeded.
 */
export function bucketedOrder(lengths: number[], batchSize: number, rng: Rng): number[] {
  const shuffled = rng.shuffle(lengths.map((_, i) => i));
  const window = batchSize * 32;
  const batches: number[][] = [];
  for (let w = 0; w < shuffled.length; w += window) {
    const chunk = shuffled.slice(w, w + window).sort((a, b) => lengths[a] - lengths[b]);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return rng.shuffle(batches).flat();
}

/**
 * Samples from JSONL text (one Sample object per non-blank line). Errors name the file, the line
 * and the reason: `train.jsonl:12: not valid JSON` or `train.jsonl:3: messages[1].role is missing`.
 */
export function parseSamplesJsonl(text: string, fileName: string): Sample[] {
  const { rows, errors } = readJsonl(text, fileName);
  const out: Sample[] = [];
  for (const { line, value } of rows) {
    const reason = sampleProblem(value);
    if (reason) errors.push({ file: fileName, line, reason });
    else out.push(value as Sample);
  }
  throwFirstError(errors.sort((a, b) => a.line - b.line));
  return out;
}

function sampleProblem(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object (a Sample)';
  const s = v as Partial<Sample>;
  if (!Array.isArray(s.messages) || s.messages.length === 0) return 'messages must be a non-empty array';
  if (s.tools !== undefined && !Array.isArray(s.tools)) return 'tools must be an array';
  for (const [i, m] of s.messages.entries()) {
    if (!m || typeof m !== 'object') return `messages[${i}] is not an object`;
    if (!['system', 'user', 'assistant', 'tool'].includes(m.role)) return `messages[${i}].role must be system, user, assistant or tool, got ${JSON.stringify(m.role)}`;
    if (typeof m.content !== 'string') return `messages[${i}].content must be a string`;
    if (m.tool_calls !== undefined && !Array.isArray(m.tool_calls)) return `messages[${i}].tool_calls must be an array`;
  }
  if (!s.messages.some((m) => m.role === 'assistant')) return 'no assistant message to learn from';
  return undefined;
}
