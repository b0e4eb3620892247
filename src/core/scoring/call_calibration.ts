// Calibrating the call-or-answer decision. Greedy decoding calls a tool when the token that opens a
// call is the most likely first token; adding a bias to that token's log-prob moves the threshold.
// Given each turn's first-step margin and the turn scored both ways, this gives the evaluation at any
// bias and the bias with the lowest error on a split. It does not decode (pipeline/call_decision.ts does).
import { buildReport, type EvalReport, type TurnRecord } from './evaluate.ts';
import { answeredInText } from './significance.ts';

/** One assistant turn, as greedy decoding took it and, near the threshold, the other way. */
export interface DecisionTurn {
  /** log p(call-opening token) − log p(best other token) at the first step; >= 0 when greedy called. */
  margin: number;
  /** Greedy's first token opened a call. */
  called: boolean;
  greedy: TurnRecord;
  /** The turn decoded with the other first decision; null when |margin| was past the decoded span. */
  flipped: TurnRecord | null;
}

/** Whether the turn calls at this bias (greedy's own decision at bias 0, ties included). */
export function callsAt(t: DecisionTurn, bias: number): boolean {
  return t.called ? t.margin + bias >= 0 : t.margin + bias > 0;
}

/** The evaluation report at a bias. Throws when a turn would flip but was not decoded the other way. */
export function reportAtBias(samples: number, turns: readonly DecisionTurn[], bias: number): EvalReport {
  return buildReport(samples, turns.map((t, i) => {
    if (callsAt(t, bias) === t.called) return t.greedy;
    if (!t.flipped) throw new Error(`turn ${i} (${t.greedy.sampleId}, message ${t.greedy.turn}): margin ${t.margin.toFixed(2)} flips at bias ${bias} but was not decoded the other way (widen the span)`);
    return t.flipped;
  }));
}

/** The error and the call decisions at one bias. */
export interface BiasPoint {
  bias: number;
  errorRate: number;
  /** Turns that call at this bias. */
  calls: number;
  /** A call on a turn whose ground truth is plain text. */
  spurious: number;
  /** Plain text on a turn whose ground truth calls. */
  missed: number;
}

export function biasPoint(turns: readonly TurnRecord[], bias: number): BiasPoint {
  return {
    bias,
    errorRate: turns.length ? turns.filter((t) => !t.exact).length / turns.length : 0,
    calls: turns.filter((t) => t.predicted.length > 0 || !t.formatValid).length,
    spurious: turns.filter((t) => t.errors.some((e) => e.category === 'irrelevance')).length,
    missed: turns.filter(answeredInText).length,
  };
}

export function scanBiases(samples: number, turns: readonly DecisionTurn[], biases: readonly number[]): BiasPoint[] {
  return biases.map((b) => biasPoint(reportAtBias(samples, turns, b).turns, b));
}

/** The lowest error; ties go to the bias nearest 0 (then the smaller one). */
export function chooseBias(points: readonly BiasPoint[]): BiasPoint {
  if (!points.length) throw new Error('chooseBias: no points');
  const order = (p: BiasPoint, q: BiasPoint): number => p.errorRate - q.errorRate || Math.abs(p.bias) - Math.abs(q.bias) || p.bias - q.bias;
  return [...points].sort(order)[0];
}

/** -span, -span + step, ..., span (0 always included). */
export function biasGrid(span: number, step: number): number[] {
  if (!(span >= 0) || !(step > 0)) throw new Error(`biasGrid: span must be >= 0 and step > 0, got ${span} and ${step}`);
  const n = Math.floor(span / step + 1e-9);
  return Array.from({ length: 2 * n + 1 }, (_, i) => Math.round((i - n) * step * 1e6) / 1e6);
}
