// The terms the classroom uses, explained where they appear: a disclosure next to the word (keyboard and
// screen-reader friendly, no hover needed). Short on purpose: one or two sentences each.
import { h } from '../dom.ts';

export const TERMS = {
  TTPA: 'Token-level Tool-use Preference Alignment (Huang et al., EMNLP 2025): find the token where the model hesitated inside a tool call, try the alternatives, score each finished call, and train on pairs that differ from that token on.',
  ESM: 'Error-oriented Scoring Mechanism: a score in [0, 1] of a call against the right one, (3·name + 3·required + 1·key + 2·type + 2·value) / 11, so a call that is almost right scores almost 1.',
  DPO: 'Direct Preference Optimization: raise the probability of the chosen answer relative to the rejected one, measured against the model before training (the reference).',
  KL: 'Kullback-Leibler divergence: how far the trained model\'s token probabilities have moved from the reference model\'s. Small is safe; a large KL means the model is forgetting what it knew.',
  margin: 'How much more the model prefers the chosen answer than the rejected one, relative to the reference: β·(log-ratio of chosen − log-ratio of rejected). Training pushes it up.',
  interval: 'A 95% interval: the range of error rates consistent with this test set. If the interval of a change includes 0, the change could be noise.',
} as const;

export type Term = keyof typeof TERMS;

/** The word with its explanation in a disclosure (`<details>`), usable inline in a heading or a sentence. */
export function term(name: Term, text: string = name): HTMLElement {
  return h('details', { class: 'term' }, h('summary', {}, text), h('span', { class: 'term-text' }, TERMS[name]));
}
