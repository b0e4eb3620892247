// Export of samples to the training ecosystem's formats: TRL's conversational SFT rows
// ({messages, tools}) and plain text rendered by a chat template ({text}); rendering is chat_format's.
import { renderConversation } from './chat_format.ts';
import type { Sample } from './sample.ts';

export type ExportFormat = 'native' | 'trl' | 'text';

/** TRL SFT conversational row: `messages` (arguments as objects) and `tools` (JSON schemas). */
export const toTrlRow = (s: Sample) => ({ messages: s.messages, tools: s.tools });

/** `{text}` rendered with a chat template (the default one when `template` is undefined). */
export const toTextRow = (s: Sample, template?: string) => ({ text: renderConversation(s.messages, s.tools, { template }) });

export function exportRows(samples: Sample[], format: ExportFormat, template?: string): unknown[] {
  if (format === 'native') return samples;
  if (format === 'trl') return samples.map(toTrlRow);
  return samples.map((s) => toTextRow(s, template));
}
