// Export of samples to the training ecosystem's formats: TRL's conversational SFT rows
// ({messages, tools}) and plain text rendered by a chat template ({text}); rendering is chat_format's.
import { renderConversation } from './chat_format.ts';
import type { Sample } from './sample.ts';

export type ExportFormat = 'native' | 'trl' | 'text';

/** TRL SFT conversational row: `messages` (arguments as objects) and `tools` (JSON schemas). */
export const toTrlRow = (s: Sample) => ({ messages: s.messages, tools: s.tools });

/** `{text}` rendered with a chat template (the default one when `template` is undefined). */
export const toTextRow = (s: Sample, template?: string) => ({ text: renderConversation(s.messages, s.tools, { template }) });

export interface ExportReport {
  rows: unknown[];
  /** Samples that could not be exported (e.g. the template failed to render them), by id. */
  errors: { id: string; reason: string }[];
}

/** Converts every sample it can; a sample the template cannot render is reported, not fatal. */
export function exportRows(samples: Sample[], format: ExportFormat, template?: string): ExportReport {
  if (format === 'native') return { rows: samples, errors: [] };
  if (format === 'trl') return { rows: samples.map(toTrlRow), errors: [] };
  const out: ExportReport = { rows: [], errors: [] };
  for (const s of samples) {
    try {
      out.rows.push(toTextRow(s, template));
    } catch (err) {
      out.errors.push({ id: s.id, reason: `template failed: ${(err as Error).message}` });
    }
  }
  return out;
}
