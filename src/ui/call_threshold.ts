// The Evaluate panel's call threshold set on validation (Call threshold: validation), in words: whether a dataset
// allows it, and what each model's chosen bias did on the validation turns that chose it.
import type { BiasChoice } from '../protocol.ts';

/** Why a threshold cannot be set on validation for this dataset: no validation split, or no test split to read apart from it. */
export function thresholdProblem(splits: { val: readonly string[]; test: readonly string[] }): string | undefined {
  if (!splits.val.length) return 'Call threshold validation needs validation conversations, and this dataset has none: set it to fixed';
  if (!splits.test.length) return 'Call threshold validation needs a test split to evaluate apart from the validation conversations that set it, and this dataset has none: set it to fixed';
  return undefined;
}

export const signed = (bias: number): string => `${bias > 0 ? '+' : ''}${bias}`;
const pct = (rate: number): string => `${(100 * rate).toFixed(1)}%`;

/** What a model's threshold set on validation was, in a sentence beside the numbers it produced. */
export function thresholdNote(name: string, c: BiasChoice): string {
  const { greedy: g, chosen: b } = c;
  const moved = b.bias === 0 ? `validation error ${pct(g.errorRate)} at 0; no bias lowered it` : `validation error ${pct(g.errorRate)} at 0 -> ${pct(b.errorRate)}; spurious / missed calls ${g.spurious} / ${g.missed} -> ${b.spurious} / ${b.missed}`;
  return `${name}: call bias ${signed(b.bias)} nats on <tool_call>, set on ${c.turns} validation turns (${moved})`;
}
