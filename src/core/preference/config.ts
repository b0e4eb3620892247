// Preference-sampling configuration: frozen defaults, merging with overrides, validation naming the bad field.
// Plain JSON (crosses the worker boundary, saved with every run report); ESM weights and the turn rule's
// 0.8 threshold (chooseThreshold) live in scoring/config.ts.

/** Which kind of pairs to build. */
export type PairMode =
  /** TTPA token level: branch the policy's own trajectory at uncertain tokens (this module's default). */
  | 'token'
  /** The TTPA code's per-turn rule: n samples, de-duplicated, best vs strictly lower, ground truth under the threshold. */
  | 'turn'
  /** Baseline: n whole independent samples, best vs worst. */
  | 'sequence';

/** Where a token sits in a tool call (by mapping its characters onto parseCalls spans). */
export type SpanType = 'name' | 'key' | 'value' | 'format';
export const SPAN_TYPES: readonly SpanType[] = ['name', 'key', 'value', 'format'];

export interface PreferenceConfig {
  mode: PairMode;
  /**
   * Also sample the assistant turns whose ground truth is plain text (irrelevance answers, final answers
   * after tool results): scored by the scorer's rule (plain text 1, any call 0), in every mode.
   */
  includeTextTurns: boolean;
  /** Alternatives recorded per decoding step (top-k of the policy's distribution), >= 2. */
  topK: number;
  /** A step is uncertain when the top-1 probability is below this, in [0, 1]; 0 disables the test. */
  minTop1Prob: number;
  /**
   * A step is uncertain when the entropy (nats) over the recorded top-k, renormalised to sum to 1,
   * is above this; >= 0, Infinity-like large values disable it. Top-k entropy is a lower bound of the true one.
   */
  maxEntropy: number;
  /** A step is uncertain when an alternative's probability is at least this fraction of the top-1's, in (0, 1]; 1 disables (only ties). */
  altRatio: number;
  /** Alternatives below this probability are never branched, in [0, 1]. */
  minAltProb: number;
  /** Span types a divergence point may lie in; empty = anywhere (including text outside calls). */
  spans: SpanType[];
  /** Branches decoded per prompt (over all divergence points), >= 1. */
  maxBranchesPerPrompt: number;
  /** Alternatives branched at one divergence point, >= 1. */
  maxAltsPerPoint: number;
  /**
   * Token mode: when the base trajectory is wrong, also pair the ground truth against it at the first
   * token where the base departs from the ground-truth rendering (TTPA's "ground truth as chosen", per token).
   */
  forceGroundTruth: boolean;
  /**
   * Token mode, with forceGroundTruth: also pair the GT against the policy's greedy continuation at up to
   * this many later tokens where the policy's top-1 leaves the teacher-forced GT (integer >= 0; 0 = off).
   */
  groundTruthPoints: number;
  /** A pair needs chosen ESM - rejected ESM strictly above this, >= 0. */
  minMargin: number;
  /** Longest completion, in tokens, >= 1. */
  maxNewTokens: number;
  /**
   * When the base ended its turn, a branch at step t may run at most (base length - t) + this many
   * tokens (a continuation far longer than the base is run-away text; cut, it is scored as it stands).
   * Integer >= 0; set it to maxNewTokens to cap branches by maxNewTokens only.
   */
  maxBranchOverrun: number;
  /** Base trajectory temperature; 0 = greedy. >= 0. */
  temperature: number;
  /** Branch continuation temperature after the forced token; 0 = greedy. >= 0. */
  branchTemperature: number;
  /** Turn and sequence modes: temperature of the n independent samples, > 0. */
  sampleTemperature: number;
  /** Sampling: keep only the k most likely tokens; 0 = all. Integer >= 0. */
  sampleTopK: number;
  /** Sampling: nucleus probability mass, in (0, 1]. */
  topP: number;
  /** Turn and sequence modes: samples per prompt, >= 2. */
  nSamples: number;
  /** Branches continue from the shared prefix's KV cache, batched; false re-encodes prompt+prefix per branch (benchmark baseline). */
  reusePrefix: boolean;
  /**
   * Token mode, with reusePrefix and promptBatch 1: fork branch rows from the base's cache while the base
   * still decodes, so branches ride in its batched steps (the same greedy pairs as after the base, faster).
   * Sampled branches are then seeded by (step, alternative) instead of request order. false: two-phase.
   */
  forkWhileDecoding: boolean;
  /**
   * Token mode, buildPairs: the branches of this many consecutive prompts run as one batch after their
   * bases (two-phase, forkWhileDecoding aside; integer >= 1). Greedy branches do not depend on it; sampled branches' seeds do.
   * `ttpa pairs` builds sample by sample, so there it batches at most one sample's prompts.
   */
  promptBatch: number;
  /** Attach the policy's summed log-probabilities of chosen and rejected (the DPO reference) to each pair. */
  refLogps: boolean;
  /** Seed of every random choice (sampled decoding). */
  seed: number;
}

export const DEFAULT_PREFERENCE_CONFIG: Readonly<PreferenceConfig> = Object.freeze({
  mode: 'token',
  includeTextTurns: true,
  topK: 5,
  minTop1Prob: 0.7,
  maxEntropy: 0.8,
  altRatio: 0.25,
  minAltProb: 0.02,
  spans: Object.freeze(['name', 'key', 'value']) as unknown as SpanType[],
  maxBranchesPerPrompt: 8,
  maxAltsPerPoint: 2,
  forceGroundTruth: true,
  groundTruthPoints: 2,
  minMargin: 0,
  maxNewTokens: 128,
  maxBranchOverrun: 24,
  temperature: 0,
  branchTemperature: 0,
  sampleTemperature: 1,
  sampleTopK: 0,
  topP: 1,
  nSamples: 5,
  reusePrefix: true,
  forkWhileDecoding: true,
  promptBatch: 1,
  refLogps: true,
  seed: 0,
});

type Check = [keyof PreferenceConfig, (v: number) => boolean, string];
const isInt = Number.isInteger;
const NUMBER_CHECKS: Check[] = [
  ['topK', (v) => isInt(v) && v >= 2, 'must be an integer >= 2'],
  ['minTop1Prob', (v) => v >= 0 && v <= 1, 'must be in [0, 1]'],
  ['maxEntropy', (v) => v >= 0, 'must be >= 0'],
  ['altRatio', (v) => v > 0 && v <= 1, 'must be in (0, 1]'],
  ['minAltProb', (v) => v >= 0 && v <= 1, 'must be in [0, 1]'],
  ['maxBranchesPerPrompt', (v) => isInt(v) && v >= 1, 'must be an integer >= 1'],
  ['maxAltsPerPoint', (v) => isInt(v) && v >= 1, 'must be an integer >= 1'],
  ['groundTruthPoints', (v) => isInt(v) && v >= 0, 'must be an integer >= 0'],
  ['minMargin', (v) => v >= 0, 'must be >= 0'],
  ['maxNewTokens', (v) => isInt(v) && v >= 1, 'must be an integer >= 1'],
  ['maxBranchOverrun', (v) => isInt(v) && v >= 0, 'must be an integer >= 0'],
  ['temperature', (v) => v >= 0, 'must be >= 0'],
  ['branchTemperature', (v) => v >= 0, 'must be >= 0'],
  ['sampleTemperature', (v) => v > 0, 'must be > 0'],
  ['sampleTopK', (v) => isInt(v) && v >= 0, 'must be an integer >= 0'],
  ['topP', (v) => v > 0 && v <= 1, 'must be in (0, 1]'],
  ['nSamples', (v) => isInt(v) && v >= 2, 'must be an integer >= 2'],
  ['promptBatch', (v) => isInt(v) && v >= 1, 'must be an integer >= 1'],
  ['seed', (v) => isInt(v), 'must be an integer'],
];
const BOOLEANS: (keyof PreferenceConfig)[] = ['includeTextTurns', 'forceGroundTruth', 'reusePrefix', 'forkWhileDecoding', 'refLogps'];
const MODES: readonly PairMode[] = ['token', 'turn', 'sequence'];

/**
 * Merges plain-JSON overrides onto `base` and validates; throws naming the bad field
 * (`preference.topK must be an integer >= 2, got 1`). Unknown fields are rejected.
 */
export function resolvePreferenceConfig(overrides: unknown = {}, base: Readonly<PreferenceConfig> = DEFAULT_PREFERENCE_CONFIG): PreferenceConfig {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new Error(`preference must be an object, got ${JSON.stringify(overrides)}`);
  }
  for (const key of Object.keys(overrides)) {
    if (!(key in base)) throw new Error(`preference.${key} is not a known setting`);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const cfg = { ...base, spans: [...base.spans], ...defined } as PreferenceConfig;
  for (const [key, ok, rule] of NUMBER_CHECKS) {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new Error(`preference.${key} ${rule}, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
    }
  }
  for (const key of BOOLEANS) {
    if (typeof cfg[key] !== 'boolean') throw new Error(`preference.${key} must be a boolean, got ${JSON.stringify(cfg[key])}`);
  }
  if (!MODES.includes(cfg.mode)) throw new Error(`preference.mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(cfg.mode)}`);
  if (!Array.isArray(cfg.spans) || cfg.spans.some((s) => !SPAN_TYPES.includes(s))) {
    throw new Error(`preference.spans must be a list of ${SPAN_TYPES.join(', ')}, got ${JSON.stringify(cfg.spans)}`);
  }
  cfg.spans = [...cfg.spans];
  return cfg;
}
