// Text utilities: counting, case changes, slugs, acronyms. Pure string functions on the given text.
import { functionSchema, ToolError, type Tool } from './tool.ts';

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
const titleCase = (s: string): string => s.toLowerCase().replace(/\b\p{L}/gu, (c) => c.toUpperCase());

export const TEXT_TOOLS: Tool[] = [
  {
    domain: 'text',
    schema: functionSchema('count_text', 'Count words, characters and sentences in a text.', {
      text: { type: 'string', description: 'The text to count.' },
      ignore_spaces: { type: 'boolean', description: 'Leave spaces out of the character count (default false).' },
    }, ['text']),
    execute: (args) => {
      const t = args.text as string;
      return {
        words: words(t).length,
        characters: args.ignore_spaces ? t.replace(/\s/g, '').length : t.length,
        sentences: t.split(/[.!?]+/).filter((s) => s.trim()).length,
      };
    },
  },
  {
    domain: 'text',
    schema: functionSchema('change_case', 'Rewrite a text in upper, lower or title case, or reverse it.', {
      text: { type: 'string', description: 'The text.' },
      mode: { type: 'string', enum: ['upper', 'lower', 'title', 'reverse'], description: 'The transformation.' },
    }, ['text', 'mode']),
    execute: (args) => {
      const t = args.text as string;
      const mode = args.mode as string;
      const out = mode === 'upper' ? t.toUpperCase() : mode === 'lower' ? t.toLowerCase() : mode === 'title' ? titleCase(t) : [...t].reverse().join('');
      return { text: out };
    },
  },
  {
    domain: 'text',
    schema: functionSchema('make_slug', 'Turn a title into a URL slug.', {
      text: { type: 'string', description: 'The title.' },
      separator: { type: 'string', enum: ['-', '_'], description: "Word separator (default '-')." },
      max_words: { type: 'integer', minimum: 1, maximum: 20, description: 'Keep at most this many words.' },
    }, ['text']),
    execute: (args) => {
      let ws = (args.text as string).toLowerCase().normalize('NFKD').replace(/[^\p{L}\p{N}\s]/gu, ' ').split(/\s+/).filter(Boolean);
      if (args.max_words !== undefined) ws = ws.slice(0, args.max_words as number);
      if (!ws.length) throw new ToolError('text has no letters or digits');
      return { slug: ws.join((args.separator as string | undefined) ?? '-') };
    },
  },
  {
    domain: 'text',
    schema: functionSchema('make_acronym', 'Build an acronym from the first letters of the words.', {
      text: { type: 'string', description: 'The phrase.' },
      skip_words: { type: 'array', items: { type: 'string' }, description: "Words to leave out, e.g. ['of', 'and']." },
    }, ['text']),
    execute: (args) => {
      const skip = new Set(((args.skip_words as string[] | undefined) ?? []).map((w) => w.toLowerCase()));
      const letters = words(args.text as string).filter((w) => !skip.has(w.toLowerCase())).map((w) => w[0].toUpperCase());
      if (!letters.length) throw new ToolError('no words left to abbreviate');
      return { acronym: letters.join('') };
    },
  },
];
