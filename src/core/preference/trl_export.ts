// Preference pairs as TRL's conversational preference records (DPOTrainer loads the JSONL as-is),
// and a checker that replays TRL's own checks. It does not tokenize: TRL re-tokenizes the text.
import { renderConversation, type RenderOptions } from '../data/chat_format.ts';
import type { Message } from '../data/messages.ts';
import type { ToolSchema } from '../tools/schema.ts';
import { sumLogps, type PreferencePair } from './pairing.ts';
import type { PairFacts } from './stats.ts';

/** The project fields carried beside TRL's, under their own key. */
export interface TtpaPairInfo {
  sample_id: string;
  turn_index: number;
  turn_type: PreferencePair['turnType'];
  mode: PreferencePair['mode'];
  kind: PreferencePair['kind'];
  divergence_index: number | null;
  span_type: PreferencePair['spanType'];
  chosen_esm: number;
  rejected_esm: number;
  margin: number;
  rejected_categories: string[];
  chosen_source: string;
  rejected_source: string;
  /** Summed policy (= DPO reference) log-probabilities of the divergent suffixes, when computed. */
  ref_chosen_logps?: number;
  ref_rejected_logps?: number;
}

/** One line of the export: `prompt`, `chosen`, `rejected`, `tools` as TRL reads them, plus `ttpa`. */
export interface TrlPreferenceRecord {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  tools: ToolSchema[];
  ttpa: TtpaPairInfo;
}

/**
 * The shared prefix goes into the prompt as a final partial assistant message (TRL then renders the
 * prompt with continue_final_message, and the template joins prompt + chosen into one turn); chosen
 * and rejected hold only the divergent suffixes as raw-text assistant messages.
 */
export function pairToTrl(pair: PreferencePair): TrlPreferenceRecord {
  const prompt: Message[] = pair.prompt.map((m) => ({ ...m }));
  // A whitespace-only prefix cannot be cut by continue_final_message (it strips the message to find
  // it): it moves into both completions instead.
  const partial = pair.prefix.trim() !== '';
  if (partial) prompt.push({ role: 'assistant', content: pair.prefix });
  const lead = partial ? '' : pair.prefix;
  const ttpa: TtpaPairInfo = {
    sample_id: pair.sampleId,
    turn_index: pair.turnIndex,
    turn_type: pair.turnType,
    mode: pair.mode,
    kind: pair.kind,
    divergence_index: pair.divergenceIndex,
    span_type: pair.spanType,
    chosen_esm: pair.chosen.esm,
    rejected_esm: pair.rejected.esm,
    margin: pair.margin,
    rejected_categories: [...pair.rejected.categories],
    chosen_source: pair.chosen.source,
    rejected_source: pair.rejected.source,
  };
  const refChosen = sumLogps(pair.chosen);
  const refRejected = sumLogps(pair.rejected);
  if (refChosen !== undefined && refRejected !== undefined) Object.assign(ttpa, { ref_chosen_logps: refChosen, ref_rejected_logps: refRejected });
  return {
    prompt,
    chosen: [{ role: 'assistant', content: lead + pair.chosen.text }],
    rejected: [{ role: 'assistant', content: lead + pair.rejected.text }],
    tools: pair.tools,
    ttpa,
  };
}

export function pairsToTrlJsonl(pairs: readonly PreferencePair[]): string {
  return pairs.map((p) => JSON.stringify(pairToTrl(p)) + '\n').join('');
}

/** What pairStats reads of a pair, from its TRL record (a pairs file read back). */
export function trlPairFacts(r: TrlPreferenceRecord): PairFacts {
  return { spanType: r.ttpa.span_type, kind: r.ttpa.kind, turnType: r.ttpa.turn_type, margin: r.ttpa.margin, rejected: { categories: r.ttpa.rejected_categories } };
}

/**
 * Two records with the same key are the same training example: the same sample turn, prompt (shared
 * prefix included) and completions. dedupePairs' rule (sample, turn, prefix, chosen, rejected), read
 * from the TRL record, so a pairs file read back de-duplicates what is appended to it.
 */
export const trlDedupeKey = (r: TrlPreferenceRecord): string => JSON.stringify([r.ttpa.sample_id, r.ttpa.turn_index, r.prompt, r.chosen, r.rejected]);

/**
 * The prompt as TRL renders it (trl.data_utils.apply_chat_template): with a generation prompt after
 * a user/tool turn; after a partial assistant turn, cut right after its content, as transformers'
 * continue_final_message does.
 */
export function renderTrlPrompt(prompt: Message[], tools: ToolSchema[], options: RenderOptions = {}): string {
  const last = prompt[prompt.length - 1];
  if (last.role !== 'assistant') return renderConversation(prompt, tools, { ...options, addGenerationPrompt: true });
  const full = renderConversation(prompt, tools, { ...options, addGenerationPrompt: false });
  // transformers' apply_chat_template(continue_final_message=True), step for step.
  const message = last.content;
  const stripped = message.trim();
  if (stripped === '' || !full.includes(stripped)) throw new Error('the final assistant message is empty or not in the rendering: continue_final_message cannot cut it');
  const at = full.lastIndexOf(stripped);
  const kept = full.slice(at, at + message.trimStart().length) === message ? message.trimStart().length : stripped.length;
  return full.slice(0, at + kept);
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

function checkMessages(field: string, v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length === 0) return `${field} must be a non-empty list of messages`;
  for (const [i, m] of v.entries()) {
    if (typeof m !== 'object' || m === null) return `${field}[${i}] must be an object`;
    const msg = m as Record<string, unknown>;
    if (typeof msg.role !== 'string' || !ROLES.has(msg.role)) return `${field}[${i}].role must be one of system, user, assistant, tool`;
    if (typeof msg.content !== 'string') return `${field}[${i}].content must be a string`;
  }
  return undefined;
}

/**
 * Checks one record against TRL's conversational preference format and its chat-template checks:
 * message lists with string contents, a prompt ending in user/tool or a partial assistant turn,
 * single assistant completions, and render(prompt + chosen) (and rejected) starting with the rendered
 * prompt. Returns the problems found (empty = valid).
 */
export function validateTrlRecord(record: unknown, options: RenderOptions = {}): string[] {
  if (typeof record !== 'object' || record === null) return ['record must be an object'];
  const r = record as Record<string, unknown>;
  const problems = (['prompt', 'chosen', 'rejected'] as const).map((f) => checkMessages(f, r[f])).filter((p): p is string => !!p);
  if (!Array.isArray(r.tools)) problems.push('tools must be a list');
  if (problems.length) return problems;
  const rec = record as TrlPreferenceRecord;
  const lastRole = rec.prompt[rec.prompt.length - 1].role;
  if (lastRole === 'system') problems.push('the prompt must end with a user, tool or partial assistant message');
  for (const side of ['chosen', 'rejected'] as const) {
    if (rec[side].length !== 1 || rec[side][0].role !== 'assistant') problems.push(`${side} must be one assistant message`);
  }
  if (problems.length) return problems;
  let prompt: string;
  try {
    prompt = renderTrlPrompt(rec.prompt, rec.tools, options);
  } catch (err) {
    return [`prompt: ${err instanceof Error ? err.message : String(err)}`];
  }
  for (const side of ['chosen', 'rejected'] as const) {
    const whole = renderConversation([...rec.prompt, ...rec[side]], rec.tools, options);
    if (!whole.startsWith(prompt)) problems.push(`render(prompt + ${side}) does not start with the rendered prompt`);
  }
  return problems;
}
