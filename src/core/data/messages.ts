// Conversation types in the OpenAI/TRL conversational form (tool-call arguments as objects).
// Rendering to model text is chat_format.ts; parsing model text back is scoring/parse_calls.ts.

/** One call as it appears in an assistant message. */
export interface ToolCall {
  type: 'function';
  function: { name: string; arguments: Record<string, unknown> };
}

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface Message {
  role: Role;
  content: string;
  /** Assistant only: the calls made in this turn (parallel calls are several entries). */
  tool_calls?: ToolCall[];
  /** Tool only: which tool produced this result. */
  name?: string;
}

/** A plain `{name, arguments}` call, the form scorers and checkers compare. */
export interface Call {
  name: string;
  arguments: Record<string, unknown>;
}

export const toCall = (tc: ToolCall): Call => ({ name: tc.function.name, arguments: tc.function.arguments });
export const toToolCall = (c: Call): ToolCall => ({ type: 'function', function: { name: c.name, arguments: c.arguments } });
