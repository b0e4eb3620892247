// The one serialization of conversations with tools into model text, shared by SFT, sampling and eval.
// Renders through a Jinja chat template (HF's format) within a budget (template_budget.ts); parsing
// text back into calls is scoring's job.
import { Template } from '@huggingface/jinja';
import { renderWithBudget } from './template_budget.ts';
import type { ToolSchema } from '../tools/schema.ts';
import type { Message } from './messages.ts';

/**
 * The default template: ChatML turns with Hermes-style `<tool_call>` tags, and tools listed as
 * compact one-line signatures (`name(req: type, opt?: type a|b)`) instead of full JSON schemas,
 * so prompts stay short enough for a tiny model. Tool results are `tool` turns.
 * Consecutive assistant messages continue one turn (no end/start markers between them): a
 * token-level preference pair puts its shared prefix in the prompt as a partial assistant message
 * and only the divergent suffix in chosen/rejected, and TRL renders prompt + chosen as one turn.
 */
export const DEFAULT_CHAT_TEMPLATE = [
  "{%- set nl = '\\n' -%}",
  "{%- if tools or messages[0].role == 'system' -%}",
  '<|im_start|>system{{ nl }}',
  "{%- if messages[0].role == 'system' %}{{ messages[0].content }}{{ nl }}{% endif -%}",
  '{%- if tools -%}',
  '<tools>{{ nl }}',
  '{%- for tool in tools -%}',
  '{%- set fn = tool.function -%}',
  '{%- set req = fn.parameters.required or [] -%}',
  '{{ fn.name }}(',
  '{%- for key in fn.parameters.properties -%}',
  '{%- set prop = fn.parameters.properties[key] -%}',
  "{{ key }}{% if key not in req %}?{% endif %}: {{ prop.type }}{% if prop.enum %} {{ prop.enum | join('|') }}{% endif %}",
  "{%- if not loop.last %}, {% endif -%}",
  '{%- endfor -%}',
  '){{ nl }}',
  '{%- endfor -%}',
  '</tools>',
  '{%- endif -%}',
  '<|im_end|>{{ nl }}',
  '{%- endif -%}',
  '{%- for message in messages -%}',
  "{%- if message.role == 'system' -%}",
  "{%- elif message.role == 'assistant' -%}",
  "{%- if loop.index0 == 0 or messages[loop.index0 - 1].role != 'assistant' %}<|im_start|>assistant{{ nl }}{% endif -%}",
  '{%- if message.content %}{{ message.content }}{% endif -%}',
  '{%- if message.tool_calls -%}',
  '{%- for call in message.tool_calls -%}',
  "{%- if not loop.first or message.content %}{{ nl }}{% endif -%}",
  '<tool_call>{"name": {{ call.function.name | tojson }}, "arguments": {{ call.function.arguments | tojson }}}</tool_call>',
  '{%- endfor -%}',
  '{%- endif -%}',
  "{%- if loop.last or messages[loop.index0 + 1].role != 'assistant' %}<|im_end|>{{ nl }}{% endif -%}",
  '{%- else -%}',
  '<|im_start|>{{ message.role }}{{ nl }}{{ message.content }}<|im_end|>{{ nl }}',
  '{%- endif -%}',
  '{%- endfor -%}',
  "{%- if add_generation_prompt %}<|im_start|>assistant{{ nl }}{% endif -%}",
].join('');

/** Special strings the default template emits; the default tokenizer has each as one token. */
export const CHAT_SPECIAL_TOKENS = ['<|im_start|>', '<|im_end|>', '<tool_call>', '</tool_call>', '<tools>', '</tools>'] as const;
/** The string that ends an assistant turn in the default template. */
export const END_OF_TURN = '<|im_end|>';

const compiled = new Map<string, Template>();
function compile(template: string): Template {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (err) {
      throw new Error(`chat template syntax error: ${err instanceof Error ? err.message : String(err)}`);
    }
    compiled.set(template, t);
  }
  return t;
}

/** Parses a template once so a syntax error is reported with the file it came from (`name`). */
export function checkTemplate(template: string, name: string): void {
  try {
    compile(template);
  } catch (err) {
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface RenderOptions {
  template?: string;
  addGenerationPrompt?: boolean;
  /** Extra variables some HF templates expect (bos_token, eos_token, ...). */
  extra?: Record<string, unknown>;
}

export function renderConversation(messages: Message[], tools: ToolSchema[], options: RenderOptions = {}): string {
  return renderWithBudget(compile(options.template ?? DEFAULT_CHAT_TEMPLATE), {
    bos_token: '',
    eos_token: '',
    ...options.extra,
    messages,
    tools: tools.length ? tools : undefined,
    add_generation_prompt: options.addGenerationPrompt ?? false,
  });
}

/** A run of rendered text; `train` marks assistant output (the tokens SFT learns). */
export interface Segment {
  text: string;
  train: boolean;
}

/**
 * Splits a rendered conversation into prompt and assistant-output segments, by rendering each
 * prefix: the assistant output of turn i is render(messages[..i]) minus
 * render(messages[..i-1], add_generation_prompt). Throws if the template is not prefix-stable.
 */
export function renderSegments(messages: Message[], tools: ToolSchema[], options: RenderOptions = {}): Segment[] {
  const segments: Segment[] = [];
  let done = '';
  const push = (text: string, train: boolean): void => {
    if (text) segments.push({ text, train });
  };
  for (let i = 0; i < messages.length; i++) {
    if (messages[i].role !== 'assistant') continue;
    const prompt = renderConversation(messages.slice(0, i), tools, { ...options, addGenerationPrompt: true });
    const full = renderConversation(messages.slice(0, i + 1), tools, { ...options, addGenerationPrompt: false });
    if (!prompt.startsWith(done) || !full.startsWith(prompt)) {
      throw new Error(`chat template is not prefix-stable at message ${i}; cannot mark assistant tokens`);
    }
    push(prompt.slice(done.length), false);
    push(full.slice(prompt.length), true);
    done = full;
  }
  const all = renderConversation(messages, tools, options);
  if (!all.startsWith(done)) throw new Error('chat template is not prefix-stable at the end of the conversation');
  push(all.slice(done.length), false);
  return segments;
}

/** The text an assistant turn with these calls renders to (no turn markers), e.g. a training target. */
export function renderAssistantTurn(message: Message, tools: ToolSchema[], options: RenderOptions = {}): string {
  const segs = renderSegments([{ role: 'user', content: '' }, message], tools, options).filter((s) => s.train);
  return segs.map((s) => s.text).join('');
}
