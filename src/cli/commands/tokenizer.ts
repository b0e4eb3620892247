// `ttpa tokenizer`: trains the default byte-level BPE on a JSONL dataset (rendered with the chat
// template) and/or a plain-text file, and writes tokenizer.json + tokenizer_config.json.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderConversation } from '../../core/data/chat_format.ts';
import type { Sample } from '../../core/data/sample.ts';
import { readJsonl, throwFirstError } from '../../core/data/jsonl.ts';
import { buildTokenizerConfig, DEFAULT_ADDED_TOKENS, DEFAULT_SPECIAL_TOKENS, trainDefaultTokenizer } from '../../core/tokenizer/default_tokenizer.ts';
import { loadTokenizer } from '../../core/tokenizer/tokenizer.ts';
import { bool, num, optStr, str, UsageError, type Command } from '../args.ts';
import { checkNotInput, claimOutputs, OVERWRITE_OPTION } from '../run_folder.ts';
import { writeFiles } from '../files.ts';

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** One rendered conversation per JSONL line of `{messages, tools}`; errors name file and line. */
export function renderJsonl(path: string, content: string): string[] {
  const name = basename(path);
  const docs: string[] = [];
  const { rows, errors } = readJsonl(content, name);
  throwFirstError(errors);
  for (const { line, value } of rows) {
    const where = `${name}:${line}`;
    const s = value as Partial<Sample> | null;
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error(`${where}: expected a JSON object with messages`);
    if (!Array.isArray(s.messages) || !s.messages.every((m) => m && typeof m.role === 'string' && typeof m.content === 'string')) {
      throw new Error(`${where}: messages must be a list of {role, content} objects`);
    }
    if (s.tools !== undefined && !Array.isArray(s.tools)) throw new Error(`${where}: tools must be a list`);
    try {
      docs.push(renderConversation(s.messages, s.tools ?? []));
    } catch (err) {
      throw new Error(`${where}: cannot render with the chat template: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!docs.length) throw new Error(`${name}: no samples`);
  return docs;
}

export const tokenizerCommand: Command = {
  name: 'tokenizer',
  summary: 'train the default byte-level BPE tokenizer on a dataset or text',
  options: [
    { name: 'data', type: 'string', help: 'JSONL dataset of {messages, tools} samples, rendered with the chat template' },
    { name: 'text', type: 'string', help: 'plain-text file (may be given with --data)' },
    { name: 'vocab-size', type: 'int', help: 'total vocabulary size, special tokens included', default: 2048 },
    { name: 'min-frequency', type: 'int', help: 'never merge a pair seen fewer times', default: 2 },
    { name: 'out', type: 'string', help: 'folder for tokenizer.json and tokenizer_config.json', required: true },
    OVERWRITE_OPTION,
  ],
  async run(args) {
    const data = optStr(args, 'data');
    const textPath = optStr(args, 'text');
    if (!data && !textPath) throw new UsageError('give --data or --text (or both)');
    const vocabSize = num(args, 'vocab-size');
    const minVocab = DEFAULT_SPECIAL_TOKENS.length + DEFAULT_ADDED_TOKENS.length + 256;
    if (vocabSize < minVocab || vocabSize > 1_000_000) throw new UsageError(`--vocab-size must be in [${minVocab}, 1000000], got ${vocabSize}`);
    const minFrequency = num(args, 'min-frequency');
    if (minFrequency < 1) throw new UsageError(`--min-frequency must be >= 1, got ${minFrequency}`);

    const out = str(args, 'out');
    checkNotInput(out, [data, textPath]);
    claimOutputs([join(out, 'tokenizer.json'), join(out, 'tokenizer_config.json')], bool(args, 'overwrite'));
    const corpus: string[] = [];
    if (data) corpus.push(...renderJsonl(data, readFile(data)));
    if (textPath) corpus.push(...readFile(textPath).split(/(?<=\n)/));
    const chars = corpus.reduce((n, d) => n + d.length, 0);

    const t0 = performance.now();
    const json = trainDefaultTokenizer(corpus, { vocabSize, minFrequency });
    const trainMs = performance.now() - t0;
    const config = buildTokenizerConfig(json);
    const tokenizer = loadTokenizer(json, config);
    const tokens = corpus.reduce((n, d) => n + tokenizer.encode(d).length, 0);

    writeFiles(str(args, 'out'), {
      'tokenizer.json': JSON.stringify(json, null, 2),
      'tokenizer_config.json': JSON.stringify(config, null, 2),
    });
    const merges = (json.model as { merges: string[] }).merges.length;
    console.log(`tokenizer: ${corpus.length} documents, ${chars} chars -> vocab ${tokenizer.vocabSize} (${merges} merges) in ${(trainMs / 1000).toFixed(2)} s`);
    if (tokenizer.vocabSize < vocabSize) {
      console.log(`tokenizer: stopped at ${tokenizer.vocabSize} < ${vocabSize}: no pair left that occurs ${minFrequency}+ times (more or more varied text would help)`);
    }
    console.log(`tokenizer: ${tokens} tokens on the training text, ${(chars / tokens).toFixed(2)} chars/token`);
    console.log(`tokenizer: wrote ${str(args, 'out')}/tokenizer.json and tokenizer_config.json`);
    return 0;
  },
};
