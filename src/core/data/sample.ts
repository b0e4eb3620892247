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
}

export interface Sample {
  id: string;
  messages: Message[];
  tools: ToolSchema[];
  meta: SampleMeta;
}
