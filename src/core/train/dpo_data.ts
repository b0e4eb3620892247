// DPO data: conversational preference pairs (TRL form) rendered and tokenized into prompt + completion ids,
// then padded into [2B, T] batches (B chosen rows, then B rejected rows). No model, no files.
import { END_OF_TURN, renderConversation } from '../data/chat_format.ts';
import type { Message } from '../data/messages.ts';
import type { ToolSchema } from '../tools/schema.ts';
import { tf } from '../runtime/tf.ts';

/** A pair in TRL's conversational form: the prompt may end with a partial assistant message (shared prefix). */
export interface ConversationalPair {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  tools: ToolSchema[];
}

/** The part of the tokenizer DPO needs (src/core/tokenizer's Tokenizer satisfies it). */
export interface DpoTokenizer {
  encode(text: string): number[];
  padTokenId: number;
  chatTemplate: string;
  templateVars?: Record<string, string>;
}

/** One tokenized pair; reference log-probs (one per completion token) are filled by reference.ts. */
export interface EncodedPair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
  /** Leading tokens chosen and rejected have in common (masked out when maskSharedPrefix is on). */
  sharedPrefix: number;
  /** ESM(chosen) − ESM(rejected), for the esm loss. */
  scoreMargin: number;
  refChosen?: number[];
  refRejected?: number[];
}

/**
 * Prompt text = the conversation with an empty assistant message appended, minus that turn's end marker:
 * the generation prompt when the prompt ends with a user/tool turn, or the rendered partial assistant
 * prefix when it ends with one (consecutive assistant messages render as one turn). Completion text is the
 * rest of render(prompt + completion), end-of-turn included, so the model learns where the turn stops.
 */
export function splitPairText(pair: ConversationalPair, tok: Pick<DpoTokenizer, 'chatTemplate' | 'templateVars'>): { prompt: string; chosen: string; rejected: string } {
  const opts = { template: tok.chatTemplate, extra: tok.templateVars };
  const open = renderConversation([...pair.prompt, { role: 'assistant', content: '' }], pair.tools, opts);
  const end = `${END_OF_TURN}\n`;
  if (!open.endsWith(end)) throw new Error('dpo: chat template does not end an assistant turn with <|im_end|>\\n');
  const prompt = open.slice(0, -end.length);
  const completion = (msgs: Message[], which: string): string => {
    const full = renderConversation([...pair.prompt, ...msgs], pair.tools, opts);
    if (!full.startsWith(prompt)) throw new Error(`dpo: rendered ${which} does not extend the rendered prompt`);
    return full.slice(prompt.length);
  };
  return { prompt, chosen: completion(pair.chosen, 'chosen'), rejected: completion(pair.rejected, 'rejected') };
}

export interface EncodePairsReport {
  pairs: EncodedPair[];
  /** Pairs whose prompt was cut at the front to fit seqLen. */
  truncated: number;
  /** Pairs dropped: identical completions, or a completion alone longer than seqLen - 1. */
  dropped: number;
}

/** Prompt and completions are tokenized separately, so the prompt/completion boundary is exact. */
export function encodePairs(pairs: ConversationalPair[], margins: number[], tok: DpoTokenizer, seqLen: number): EncodePairsReport {
  const out: EncodedPair[] = [];
  let truncated = 0;
  let dropped = 0;
  pairs.forEach((pair, i) => {
    const text = splitPairText(pair, tok);
    let prompt = tok.encode(text.prompt);
    const chosen = tok.encode(text.chosen);
    const rejected = tok.encode(text.rejected);
    const longest = Math.max(chosen.length, rejected.length);
    if (longest > seqLen - 1 || sameIds(chosen, rejected) || prompt.length === 0) {
      dropped += 1;
      return;
    }
    if (prompt.length + longest > seqLen) {
      prompt = prompt.slice(prompt.length + longest - seqLen);
      truncated += 1;
    }
    out.push({ prompt, chosen, rejected, sharedPrefix: commonPrefix(chosen, rejected), scoreMargin: margins[i] ?? 0 });
  });
  return { pairs: out, truncated, dropped };
}

function sameIds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function commonPrefix(a: number[], b: number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** A padded pair batch; tensors are owned by the batch (disposeDpoBatch). Rows 0..B-1 chosen, B..2B-1 rejected. */
export interface DpoBatch {
  B: number;
  inputIds: tf.Tensor2D; // [2B, T] int32, (prompt + completion)[:-1], right-padded
  targetIds: tf.Tensor2D; // [2B, T] int32, (prompt + completion)[1:]
  attentionMask: tf.Tensor2D; // [2B, T] 1 for real input tokens
  /** Completion targets that enter the preference term (divergent suffix only when masking the shared prefix). */
  lossMask: tf.Tensor2D; // [2B, T]
  /** Every completion target (RPO NLL on chosen rows, KL, reference). */
  completionMask: tf.Tensor2D; // [2B, T]
  /** Reference log-probs at completion targets, 0 elsewhere (all zeros when the pairs have none yet). */
  refLogps: tf.Tensor2D; // [2B, T]
  scoreMargin: tf.Tensor1D; // [B]
  inputTokens: number;
}

/** Where each completion token's target sits: target index t predicts sequence token t + 1. */
export function makeDpoBatch(pairs: EncodedPair[], padTokenId: number, maskSharedPrefix: boolean): DpoBatch {
  const B = pairs.length;
  const rows = [...pairs.map((p) => ({ p, c: p.chosen, ref: p.refChosen })), ...pairs.map((p) => ({ p, c: p.rejected, ref: p.refRejected }))];
  const T = Math.max(...rows.map((r) => r.p.prompt.length + r.c.length)) - 1;
  const input = new Int32Array(2 * B * T).fill(padTokenId);
  const target = new Int32Array(2 * B * T).fill(padTokenId);
  const attn = new Float32Array(2 * B * T);
  const loss = new Float32Array(2 * B * T);
  const comp = new Float32Array(2 * B * T);
  const ref = new Float32Array(2 * B * T);
  let inputTokens = 0;
  rows.forEach(({ p, c, ref: r }, row) => {
    const seq = [...p.prompt, ...c];
    const P = p.prompt.length;
    for (let t = 0; t < seq.length - 1; t++) {
      const i = row * T + t;
      input[i] = seq[t];
      target[i] = seq[t + 1];
      attn[i] = 1;
      const k = t + 1 - P; // index of the target within the completion
      if (k >= 0) {
        comp[i] = 1;
        loss[i] = !maskSharedPrefix || k >= p.sharedPrefix ? 1 : 0;
        if (r) ref[i] = r[k];
      }
    }
    inputTokens += seq.length - 1;
  });
  return {
    B,
    inputIds: tf.tensor2d(input, [2 * B, T], 'int32'),
    targetIds: tf.tensor2d(target, [2 * B, T], 'int32'),
    attentionMask: tf.tensor2d(attn, [2 * B, T]),
    lossMask: tf.tensor2d(loss, [2 * B, T]),
    completionMask: tf.tensor2d(comp, [2 * B, T]),
    refLogps: tf.tensor2d(ref, [2 * B, T]),
    scoreMargin: tf.tensor1d(pairs.map((p) => p.scoreMargin)),
    inputTokens,
  };
}

export function disposeDpoBatch(b: DpoBatch): void {
  tf.dispose([b.inputIds, b.targetIds, b.attentionMask, b.lossMask, b.completionMask, b.refLogps, b.scoreMargin]);
}

/** Per completion token values of row `row` of a [2B, T] array (inverse of the placement above). */
export function completionValues(values: Float32Array, T: number, row: number, promptLen: number, completionLen: number): number[] {
  return Array.from({ length: completionLen }, (_, k) => values[row * T + promptLen - 1 + k]);
}
