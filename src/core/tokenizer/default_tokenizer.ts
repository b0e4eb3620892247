// The lab's own tokenizer recipe: byte-level BPE trained on rendered chats, with the chat template's
// markers as single tokens, plus the tokenizer_config.json that HF's AutoTokenizer needs to load it.
import { CHAT_SPECIAL_TOKENS, DEFAULT_CHAT_TEMPLATE, END_OF_TURN } from '../data/chat_format.ts';
import { trainBpe } from './train_bpe.ts';

export const PAD_TOKEN = '<|pad|>';
/** `special: true` (dropped by decode(skipSpecial)): the turn markers, end of text and padding. */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = [
  '<|endoftext|>', ...CHAT_SPECIAL_TOKENS.filter((t) => t.startsWith('<|')), PAD_TOKEN,
];
/** Single tokens kept in decoded text, so a parser still sees `<tool_call>` (as Qwen2.5 does). */
export const DEFAULT_ADDED_TOKENS: readonly string[] = CHAT_SPECIAL_TOKENS.filter((t) => !t.startsWith('<|'));

export interface DefaultTokenizerOptions {
  vocabSize: number;
  minFrequency?: number;
}

/** tokenizer.json of the default recipe trained on `corpus` (rendered conversations or plain text). */
export function trainDefaultTokenizer(corpus: string[], options: DefaultTokenizerOptions): Record<string, unknown> {
  return trainBpe(corpus, {
    vocabSize: options.vocabSize,
    specialTokens: [...DEFAULT_SPECIAL_TOKENS],
    addedTokens: [...DEFAULT_ADDED_TOKENS],
    minFrequency: options.minFrequency,
  });
}

/**
 * tokenizer_config.json for a trained tokenizer.json: the default chat template, `<|im_end|>` as
 * eos, `<|pad|>` as pad, and added_tokens_decoder, loadable by transformers' PreTrainedTokenizerFast.
 */
export function buildTokenizerConfig(tokenizerJson: Record<string, unknown>, options: { modelMaxLength?: number } = {}): Record<string, unknown> {
  const added = (tokenizerJson.added_tokens ?? []) as { id: number; content: string; special: boolean }[];
  const has = (t: string): boolean => added.some((a) => a.content === t);
  if (!has(END_OF_TURN) || !has(PAD_TOKEN)) throw new Error(`buildTokenizerConfig: the tokenizer needs ${END_OF_TURN} and ${PAD_TOKEN} as added tokens`);
  return {
    added_tokens_decoder: Object.fromEntries(added.map((a) => [String(a.id), {
      content: a.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: a.special,
    }])),
    bos_token: null,
    chat_template: DEFAULT_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: END_OF_TURN,
    model_max_length: options.modelMaxLength ?? 2048,
    pad_token: PAD_TOKEN,
    tokenizer_class: 'PreTrainedTokenizerFast',
    unk_token: null,
  };
}
