// Divergence points: the steps of a decoded trajectory where the policy was uncertain, and which
// alternatives to branch there within the per-prompt budget. Pure; decoding and scoring live elsewhere.
import type { PreferenceConfig, SpanType } from './config.ts';

/** One recorded candidate for a step (the policy's untempered distribution). */
export interface TokenAlt {
  id: number;
  prob: number;
}

/** One token of a decoded trajectory with what the policy thought at that step. */
export interface TrajectoryToken {
  id: number;
  /** The token's characters in the completion text (`text.slice(charStart, charEnd)`). */
  text: string;
  charStart: number;
  charEnd: number;
  /** Probability of this token under the policy (temperature 1). */
  prob: number;
  /** The top-k of the policy's distribution at this step, most likely first (may include `id`). */
  alternatives: TokenAlt[];
  span: SpanType;
}

export type DivergenceReason = 'top1' | 'entropy' | 'ratio';

export interface Uncertainty {
  top1Prob: number;
  /** Entropy in nats of the recorded top-k, renormalised to sum to 1 (a lower bound of the full entropy). */
  entropy: number;
  /** Second-best probability over the best, in [0, 1]. */
  ratio: number;
}

export interface DivergencePoint {
  /** Token index in the completion (0 = first generated token). */
  index: number;
  span: SpanType;
  uncertainty: Uncertainty;
  reasons: DivergenceReason[];
  /** Alternatives to force here, most likely first (never the trajectory's own token). */
  alternatives: TokenAlt[];
}

export function stepUncertainty(alts: readonly TokenAlt[]): Uncertainty {
  const probs = alts.map((a) => a.prob).sort((a, b) => b - a);
  const top1Prob = probs[0] ?? 1;
  const mass = probs.reduce((s, p) => s + p, 0);
  let entropy = 0;
  for (const p of probs) {
    const q = p / mass;
    if (q > 0) entropy -= q * Math.log(q);
  }
  return { top1Prob, entropy, ratio: probs.length > 1 && top1Prob > 0 ? probs[1] / top1Prob : 0 };
}

/** Why a step counts as uncertain under the config's thresholds (empty: it does not). */
export function divergenceReasons(u: Uncertainty, cfg: Pick<PreferenceConfig, 'minTop1Prob' | 'maxEntropy' | 'altRatio'>): DivergenceReason[] {
  const reasons: DivergenceReason[] = [];
  if (u.top1Prob < cfg.minTop1Prob) reasons.push('top1');
  if (u.entropy > cfg.maxEntropy) reasons.push('entropy');
  if (u.ratio >= cfg.altRatio) reasons.push('ratio');
  return reasons;
}

/** The step as a divergence point, whatever its span: uncertain, with alternatives worth forcing; else undefined. */
export function stepDivergence(tok: Pick<TrajectoryToken, 'id' | 'alternatives'>, cfg: PreferenceConfig): Omit<DivergencePoint, 'index' | 'span'> | undefined {
  const uncertainty = stepUncertainty(tok.alternatives);
  const reasons = divergenceReasons(uncertainty, cfg);
  if (reasons.length === 0) return undefined;
  const alternatives = tok.alternatives
    .filter((a) => a.id !== tok.id && a.prob >= cfg.minAltProb)
    .sort((a, b) => b.prob - a.prob)
    .slice(0, cfg.maxAltsPerPoint);
  return alternatives.length > 0 ? { uncertainty, reasons, alternatives } : undefined;
}

/** Whether the config's `spans` allow a divergence point in a span of this type. */
export const spanAllowed = (span: SpanType, cfg: Pick<PreferenceConfig, 'spans'>): boolean => cfg.spans.length === 0 || cfg.spans.includes(span);

/** Every uncertain step in an allowed span, with the alternatives worth forcing (not yet budgeted). */
export function findDivergences(tokens: readonly TrajectoryToken[], cfg: PreferenceConfig): DivergencePoint[] {
  const points: DivergencePoint[] = [];
  tokens.forEach((tok, index) => {
    if (!spanAllowed(tok.span, cfg)) return;
    const point = stepDivergence(tok, cfg);
    if (point) points.push({ index, span: tok.span, ...point });
  });
  return points;
}

/**
 * Spends the branch budget on the most uncertain points first (lowest top-1 probability, then
 * earliest); a point may get fewer alternatives than it offers when the budget runs out.
 * Returns the kept points in trajectory order.
 */
export function budgetDivergences(points: readonly DivergencePoint[], maxBranches: number): DivergencePoint[] {
  const ranked = [...points].sort((a, b) => a.uncertainty.top1Prob - b.uncertainty.top1Prob || a.index - b.index);
  const kept: DivergencePoint[] = [];
  let left = maxBranches;
  for (const p of ranked) {
    if (left <= 0) break;
    const alternatives = p.alternatives.slice(0, left);
    left -= alternatives.length;
    kept.push({ ...p, alternatives });
  }
  return kept.sort((a, b) => a.index - b.index);
}
