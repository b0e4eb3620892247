// Question writers: turn a planned turn (calls, results, answer, grammar clauses) into the user's
// words. The grammar writer wraps and joins clauses with seeded paraphrases; an LLM writer can
// implement the same interface later, and the generator checks any writer's output the same way.
import type { Rng } from '../rng.ts';
import type { Call } from './messages.ts';
import type { SampleCategory } from './sample.ts';

/** What a writer gets for one user turn. */
export interface WriteRequest {
  category: SampleCategory;
  /** Calls this turn must lead to (empty for irrelevance), with their results. */
  calls: Call[];
  results: unknown[];
  /** The final answer the assistant will give. */
  answer: string;
  /** Grammar clauses stating the request; a writer may reuse or rephrase them. */
  clauses: string[];
  /** Words that must appear verbatim (the surface forms of the argument values). */
  required: string[];
  /** True for a follow-up turn that refers back to the previous one. */
  followUp: boolean;
}

export interface QuestionWriter {
  writeQuestion(req: WriteRequest, rng: Rng): string;
}

const QUESTION_START = /^(how|what|which|is|are|when|who|where|does|do|if|can|at|going|the bill|and)\b/;
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const ASK_WRAPPERS = ['{C}?', '{C}?', 'Quick question: {c}?', 'Hi! {C}?', 'I was wondering, {c}?', '{C}? Thanks.'];
const DO_WRAPPERS = ['{C}.', 'Please {c}.', 'Can you {c}?', 'Could you {c} for me?', 'I need you to {c}.', '{C}, please.', 'Hey, {c}.', 'Would you {c}?', 'Help me {c}.', "I'd like you to {c}."];
const JOINERS = [' ', ' Also, ', ' And ', ' Then ', ' Next, ', ' Plus, '];
const FOLLOW_WRAPPERS = ['{C}?', 'OK. {C}?', 'Thanks! {C}?', 'Great. {C}?', '{C}?'];
const FOLLOW_DO = ['{C}.', 'OK, {c}.', 'Thanks. Now {c}.', 'Great, {c} please.'];

function wrap(rng: Rng, clause: string, followUp: boolean): string {
  const isAsk = QUESTION_START.test(clause);
  const pool = followUp ? (isAsk ? FOLLOW_WRAPPERS : FOLLOW_DO) : isAsk ? ASK_WRAPPERS : DO_WRAPPERS;
  return rng.pick(pool).replace('{C}', cap(clause)).replace('{c}', clause);
}

/** The seeded template grammar writer. */
export const grammarWriter: QuestionWriter = {
  writeQuestion(req, rng) {
    const sentences = req.clauses.map((c, i) => (i === 0 ? wrap(rng, c, req.followUp) : `${cap(c)}${QUESTION_START.test(c) ? '?' : '.'}`));
    let out = sentences[0];
    for (const s of sentences.slice(1)) {
      const j = rng.pick(JOINERS);
      out += j === ' ' || /^I\b/.test(s) ? ` ${s}` : `${j}${s.charAt(0).toLowerCase()}${s.slice(1)}`;
    }
    return out;
  },
};
