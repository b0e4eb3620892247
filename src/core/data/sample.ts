// A dataset sample: one conversation with the tools offered, plus what built it (for reports and splits).
// The native JSONL line is exactly this object; `messages` and `tools` are what TRL reads.
import type { ToolSchema } from '../tools/schema.ts';
import type { Message } from './messages.ts';

/** How a sample was built; evaluation reports break numbers down by these. */
export type SampleCategory = 'single' | 'multi_step' | 'parallel' | 'multi_turn' | 'irrelevance';

export interface SampleMeta {
  category: SampleCategory;
  /** Domains of the tools actually called (empty for irrelevance). */
  domains: string[];
  /** Free-form provenance: generator seed, importer name, source line. */
  source?: string;
  /** Generated samples: the fixed "today" relative dates in the questions resolve against (YYYY-MM-DD). */
  today?: string;
  /** Generated samples: where each argument value of each call comes from (see ArgMention). */
  mentions?: ArgMention[];
}

/**
 * How one argument value of a generated call is grounded: the words used for it in a user message
 * (`surface`, resolved by `kind`: literal copy, alias of an enum/number, date phrase, time, list),
 * or an earlier call's result (`kind: 'result'`, `from`). Lets tests check every value is recoverable.
 */
export interface ArgMention {
  /** Index of the call among all calls of the sample, in message order. */
  call: number;
  /** Argument path, e.g. 'value' or 'filters.max_price'. */
  arg: string;
  value: unknown;
  kind: 'literal' | 'alias' | 'date' | 'time' | 'list' | 'result' | 'scaled';
  surface?: string;
  /** Alias table the surface is looked up in (kind 'alias'). */
  group?: string;
  /** Index in `messages` of the user message that contains the surface. */
  turn?: number;
  /** Kind 'result': the earlier call and the path in its result the value was copied from.
   *  Kind 'scaled' ("twice that amount"): the earlier call and the path in its arguments. */
  from?: { call: number; path: string };
  /** Kind 'scaled': value = factor x the earlier argument. */
  factor?: number;
}

export interface Sample {
  id: string;
  messages: Message[];
  tools: ToolSchema[];
  meta: SampleMeta;
}
