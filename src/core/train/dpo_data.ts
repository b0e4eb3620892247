// DPO data: conversational preference pairs (TRL form) rendered and tokenized into prompt + completion ids,
// then padded into batches: prompts once, completions as [2B, C] (B chosen rows, then B rejected). No model, no files.
import { END_OF_TURN, renderConversation } from '../data/chat_format.ts';
import type { Message } from '../data/messages.ts';
import type { ToolSchema } from '../tools/schema.ts';
import { tf } from '../runtime/tf.ts';
import type { PairInputs } from './dpo_logps.ts';

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
/** Longest text one token stands for, as far as cutting text before tokenising assumes (as in sft_data.ts). */
const MAX_CHARS_PER_TOKEN = 64;

export function encodePairs(pairs: ConversationalPair[], margins: number[], tok: DpoTokenizer, seqLen: number): EncodePairsReport {
  const out: EncodedPair[] = [];
  let truncated = 0;
  let dropped = 0;
  pairs.forEach((pair, i) => {
    const text = splitPairText(pair, tok);
    // Cut before tokenising (a token covers at most MAX_CHARS_PER_TOKEN chars): the prompt keeps its end,
    // and a completion that long could not fit anyway, so it is dropped unread.
    const maxChars = seqLen * MAX_CHARS_PER_TOKEN;
    if (Math.max(text.chosen.length, text.rejected.length) > maxChars) {
      dropped += 1;
      return;
    }
    let prompt = tok.encode(text.prompt.length > maxChars ? text.prompt.slice(-maxChars) : text.prompt);
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

/** A pair's padded row length in a batch: its prompt and the longer completion. */
export const pairLength = (p: EncodedPair): number => p.prompt.length + Math.max(p.chosen.length, p.rejected.length);

export function commonPrefix(a: number[], b: number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * A padded pair batch; tensors are owned by the batch (disposeDpoBatch). The prompt is stored once per pair
 * (left-padded); completion rows 0..B-1 are chosen, B..2B-1 rejected (right-padded). See dpo_logps.ts.
 */
export interface DpoBatch extends PairInputs {
  B: number;
  /** Completion tokens that enter the preference term (divergent suffix only when masking the shared prefix, cut to the divergent window). */
  lossMask: tf.Tensor2D; // [2B, C]
  /** Reference log-probs of completion tokens, 0 at padding (all zeros when the pairs have none yet). */
  refLogps: tf.Tensor2D; // [2B, C]
  scoreMargin: tf.Tensor1D; // [B]
  /** Tokens the forward pass reads (prompt once + completions), for tokens/s. */
  inputTokens: number;
}

/**
 * `divergentTokens` > 0 keeps only that many completion tokens, counted from the first token where chosen
 * and rejected differ, in the preference term (the token-level signal; the tails after it are the
 * continuation's consequences). 0 keeps them all. `divergentWeight` is that first differing token's weight in
 * the preference term (lossMask holds it instead of 1).
 */
export function makeDpoBatch(pairs: EncodedPair[], padTokenId: number, maskSharedPrefix: boolean, divergentTokens = 0, divergentWeight = 1): DpoBatch {
  const B = pairs.length;
  const P = Math.max(...pairs.map((p) => p.prompt.length));
  const rows = [...pairs.map((p) => ({ p, c: p.chosen, ref: p.refChosen })), ...pairs.map((p) => ({ p, c: p.rejected, ref: p.refRejected }))];
  const C = Math.max(...rows.map((r) => r.c.length));
  const prompt = new Int32Array(B * P).fill(padTokenId);
  const promptMask = new Float32Array(B * P);
  pairs.forEach((p, b) => {
    const off = P - p.prompt.length;
    p.prompt.forEach((id, t) => {
      prompt[b * P + off + t] = id;
      promptMask[b * P + off + t] = 1;
    });
  });
  const comp = new Int32Array(2 * B * C).fill(padTokenId);
  const compMask = new Float32Array(2 * B * C);
  const positions = new Int32Array(2 * B * C);
  const loss = new Float32Array(2 * B * C);
  const ref = new Float32Array(2 * B * C);
  let inputTokens = pairs.reduce((s, p) => s + p.prompt.length, 0);
  rows.forEach(({ p, c, ref: r }, row) => {
    for (let t = 0; t < C; t++) {
      const i = row * C + t;
      positions[i] = p.prompt.length + t;
      if (t >= c.length) continue;
      comp[i] = c[t];
      compMask[i] = 1;
      const afterPrefix = !maskSharedPrefix || t >= p.sharedPrefix;
      const inWindow = divergentTokens === 0 || t < p.sharedPrefix + divergentTokens;
      loss[i] = afterPrefix && inWindow ? (t === p.sharedPrefix ? divergentWeight : 1) : 0;
      if (r) ref[i] = r[t];
    }
    inputTokens += c.length;
  });
  return {
    B,
    promptIds: tf.tensor2d(prompt, [B, P], 'int32'),
    promptMask: tf.tensor2d(promptMask, [B, P]),
    completionIds: tf.tensor2d(comp, [2 * B, C], 'int32'),
    completionMask: tf.tensor2d(compMask, [2 * B, C]),
    completionPositions: tf.tensor2d(positions, [2 * B, C], 'int32'),
    lossMask: tf.tensor2d(loss, [2 * B, C]),
    refLogps: tf.tensor2d(ref, [2 * B, C]),
    scoreMargin: tf.tensor1d(pairs.map((p) => p.scoreMargin)),
    inputTokens,
  };
}

export function disposeDpoBatch(b: DpoBatch): void {
  tf.dispose([b.promptIds, b.promptMask, b.completionIds, b.completionMask, b.completionPositions, b.lossMask, b.refLogps, b.scoreMargin]);
}
