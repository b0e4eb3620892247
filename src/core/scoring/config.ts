// Scoring configuration: ESM weights, partial-credit values and the chosen/rejected threshold.
// Frozen defaults from the TTPA authors' code; resolveScoringConfig merges overrides and validates.

export interface EsmWeights {
  /** Tool name matches the ground truth (0 or 1). */
  name: number;
  /** Share of the predicted tool's required parameters present in the prediction. */
  required: number;
  /** Share of predicted keys the schema defines. */
  key: number;
  /** Share of predicted keys whose value has the schema's type. */
  type: number;
  /** Share of predicted keys whose value equals the ground truth (with partial string credit). */
  value: number;
}

export interface ScoringConfig {
  /** ESM term weights; ESM = sum(w * part) / sum(w). Each >= 0, sum > 0. */
  weights: EsmWeights;
  /** Best sample ESM below this makes the ground truth "chosen" (TTPA code: 0.8). In [0, 1]. */
  chooseThreshold: number;
  /** Value credit for a string equal to the truth ignoring case only. In [0, 1]. */
  caseInsensitiveCredit: number;
  /** Value credit for a non-empty string that contains, or is contained in, the truth. In [0, 1]. */
  substringCredit: number;
}

// ESM weights from the TTPA code (sampling.py compute_score): 3, 3, 1, 2, 2 over 11.
export const DEFAULT_SCORING_CONFIG: Readonly<ScoringConfig> = Object.freeze({
  weights: Object.freeze({ name: 3, required: 3, key: 1, type: 2, value: 2 }),
  chooseThreshold: 0.8,
  caseInsensitiveCredit: 0.5,
  substringCredit: 0.5,
});

export type ScoringOverrides = Partial<Omit<ScoringConfig, 'weights'>> & { weights?: Partial<EsmWeights> };

const WEIGHT_KEYS = ['name', 'required', 'key', 'type', 'value'] as const;
const UNIT_KEYS = ['chooseThreshold', 'caseInsensitiveCredit', 'substringCredit'] as const;

/** Merges overrides (plain JSON, e.g. from a preset) into the defaults; throws naming the bad field. */
export function resolveScoringConfig(overrides: unknown = {}, base: Readonly<ScoringConfig> = DEFAULT_SCORING_CONFIG): ScoringConfig {
  if (!isRecord(overrides)) throw new Error(`scoring must be an object, got ${JSON.stringify(overrides)}`);
  for (const k of Object.keys(overrides)) {
    if (k !== 'weights' && !(UNIT_KEYS as readonly string[]).includes(k)) throw new Error(`scoring.${k} is not a known field`);
  }
  const w = overrides.weights ?? {};
  if (!isRecord(w)) throw new Error(`scoring.weights must be an object, got ${JSON.stringify(w)}`);
  const weights = { ...base.weights };
  for (const k of Object.keys(w)) {
    if (!(WEIGHT_KEYS as readonly string[]).includes(k)) throw new Error(`scoring.weights.${k} is not a known field`);
    const v = w[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`scoring.weights.${k} must be a finite number >= 0, got ${JSON.stringify(v)}`);
    weights[k as keyof EsmWeights] = v;
  }
  if (WEIGHT_KEYS.reduce((s, k) => s + weights[k], 0) <= 0) throw new Error('scoring.weights must have a positive sum');
  const out: ScoringConfig = { ...base, weights };
  for (const k of UNIT_KEYS) {
    const v = overrides[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`scoring.${k} must be a number in [0, 1], got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
