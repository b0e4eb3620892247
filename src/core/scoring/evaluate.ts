// Fine-grained evaluation: replays each sample turn by turn through a `generate` function and reports
// exact match, ESM (and its five parts), format validity, irrelevance accuracy and error rates per
// category, overall, per tool domain and per sample category. It does not load models: the caller
// passes `generate` (a model in the app or CLI, a fake in tests).
import { toCall, type Call, type Message } from '../data/messages.ts';
import type { Sample } from '../data/sample.ts';
import type { ToolSchema } from '../tools/schema.ts';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from './config.ts';
import { ERROR_CATEGORIES, type CallError, type ErrorCategory } from './errors.ts';
import { scoreTurn, type EsmParts } from './esm.ts';
import { callsMatchUnordered } from './match.ts';
import { isFormatError } from './parse_calls.ts';

/** One assistant turn replayed. */
export interface TurnRecord {
  sampleId: string;
  /** Index of the assistant message in `sample.messages`. */
  turn: number;
  category: string;
  domains: string[];
  expected: Call[];
  /** The generated text, as returned by `generate`. */
  text: string;
  predicted: Call[];
  /** All expected calls made, nothing else (order-free); for a plain-text turn: no call made. */
  exact: boolean;
  esm: number;
  parts: EsmParts;
  /** No malformed call in the text (plain text is well-formed). */
  formatValid: boolean;
  /** The ground-truth turn is plain text (no call due). */
  noCallDue: boolean;
  errors: CallError[];
}

/** Means over a set of turns; rates are shares of turns in [0, 1]. */
export interface EvalSummary {
  turns: number;
  exactMatch: number;
  meanEsm: number;
  parts: EsmParts;
  formatValidRate: number;
  /** Share of no-call-due turns answered without a call; null when there were none. */
  irrelevanceAccuracy: number | null;
  irrelevanceTurns: number;
  /** Share of turns with at least one error of each category. */
  errorRates: Record<ErrorCategory, number>;
}

export interface EvalReport {
  samples: number;
  overall: EvalSummary;
  byDomain: Record<string, EvalSummary>;
  byCategory: Record<string, EvalSummary>;
  turns: TurnRecord[];
}

export type Generate = (messages: Message[], tools: ToolSchema[]) => Promise<string>;

export interface EvaluateOptions {
  /** Domain of a tool name; default: the sample's meta.domains. */
  domainOf?: (tool: string) => string;
  /** Called after each turn with turns done and the total. */
  onProgress?: (done: number, total: number) => void;
  config?: ScoringConfig;
}

/** Domain label for turns that call no tool. */
export const NO_DOMAIN = '(none)';

export async function evaluateSamples(samples: readonly Sample[], generate: Generate, opts: EvaluateOptions = {}): Promise<EvalReport> {
  const config = opts.config ?? DEFAULT_SCORING_CONFIG;
  const total = samples.reduce((n, s) => n + s.messages.filter((m) => m.role === 'assistant').length, 0);
  const turns: TurnRecord[] = [];
  for (const sample of samples) {
    for (let i = 0; i < sample.messages.length; i++) {
      const message = sample.messages[i];
      if (message.role !== 'assistant') continue;
      // Turns run one after another, so a stateful fake (or a seeded sampler) stays deterministic.
      const text = await generate(sample.messages.slice(0, i), sample.tools);
      turns.push(recordTurn(sample, i, text, opts, config));
      opts.onProgress?.(turns.length, total);
    }
  }
  return buildReport(samples.length, turns);
}

function recordTurn(sample: Sample, turn: number, text: string, opts: EvaluateOptions, config: ScoringConfig): TurnRecord {
  const expected = (sample.messages[turn].tool_calls ?? []).map(toCall);
  const r = scoreTurn(text, expected, sample.tools, config);
  const formatValid = !(r.parse && isFormatError(r.parse));
  const predicted = r.predicted.map((c) => ({ name: c.name, arguments: c.arguments }));
  const domains = opts.domainOf ? [...new Set(expected.map((c) => opts.domainOf!(c.name)))] : [...sample.meta.domains];
  return {
    sampleId: sample.id,
    turn,
    category: sample.meta.category,
    domains: domains.length ? domains : [NO_DOMAIN],
    expected,
    text,
    predicted,
    exact: formatValid && callsMatchUnordered(predicted, expected),
    esm: r.esm,
    parts: r.parts,
    formatValid,
    noCallDue: expected.length === 0,
    errors: r.errors,
  };
}

export function buildReport(samples: number, turns: TurnRecord[]): EvalReport {
  const group = (key: (t: TurnRecord) => string[]): Record<string, EvalSummary> => {
    const buckets = new Map<string, TurnRecord[]>();
    for (const t of turns) for (const k of key(t)) buckets.set(k, [...(buckets.get(k) ?? []), t]);
    return Object.fromEntries([...buckets.keys()].sort().map((k) => [k, summarize(buckets.get(k)!)]));
  };
  return { samples, overall: summarize(turns), byDomain: group((t) => t.domains), byCategory: group((t) => [t.category]), turns };
}

export function summarize(turns: readonly TurnRecord[]): EvalSummary {
  const n = turns.length;
  const mean = (f: (t: TurnRecord) => number): number => (n ? turns.reduce((s, t) => s + f(t), 0) / n : 0);
  const irrelevant = turns.filter((t) => t.noCallDue);
  const errorRates = Object.fromEntries(ERROR_CATEGORIES.map((c) => [c, mean((t) => (t.errors.some((e) => e.category === c) ? 1 : 0))])) as Record<ErrorCategory, number>;
  return {
    turns: n,
    exactMatch: mean((t) => (t.exact ? 1 : 0)),
    meanEsm: mean((t) => t.esm),
    parts: { name: mean((t) => t.parts.name), required: mean((t) => t.parts.required), key: mean((t) => t.parts.key), type: mean((t) => t.parts.type), value: mean((t) => t.parts.value) },
    formatValidRate: mean((t) => (t.formatValid ? 1 : 0)),
    irrelevanceAccuracy: irrelevant.length ? irrelevant.filter((t) => t.predicted.length === 0 && t.formatValid).length / irrelevant.length : null,
    irrelevanceTurns: irrelevant.length,
    errorRates,
  };
}
