// DPO-family training configuration: frozen defaults, merge with overrides, validation naming the bad field.
// Plain JSON (crosses the worker boundary, saved with every checkpoint); the loss math is dpo_loss.ts.
import { isPairFilter, PAIR_FILTERS, type PairFilter } from '../preference/pair_filter.ts';
import { DEFAULT_TRAIN_LOOP_CONFIG, resolveTrainLoop, type TrainLoopConfig } from './config.ts';

/**
 * Loss families (TRL's `loss_type` names where one exists), with h = β·[(πc − refc) − (πr − refr)]:
 * - sigmoid: −log σ(h), Rafailov et al. 2023 eq. 7; with labelSmoothing ε it is cDPO:
 *   −(1−ε)·log σ(h) − ε·log σ(−h).
 * - robust: Chowdhury et al. 2024, unbiased under label noise ε: [−(1−ε)·log σ(h) + ε·log σ(−h)] / (1−2ε).
 * - hinge: SLiC (Zhao et al. 2023), relu(1 − h).
 * - ipo: Azar et al. 2023, (h/β − 1/(2β))², on per-token mean log-ratios (TRL's IPO length normalisation).
 * - esm: sigmoid DPO with an ESM target margin (ODPO, Amini et al. 2024): −log σ(h − γ·Δ), Δ = the pair's
 *   ESM score margin in [0, 1]; see `esmMode` for the weight alternative.
 * - nll: no preference term, only the RPO term α·NLL(chosen) (needs rpoAlpha > 0): supervised training on the
 *   chosen completions, the control that tells a preference loss's effect from that of its chosen text.
 * - sft: TRL's name for the NLL term of a `loss_type` list: per-token mean NLL of the chosen completion
 *   (`['sigmoid', 'sft']` is DPO + NLL, as RPO); only in a list.
 * A list sums its terms, each times its `lossWeights` entry (TRL's `loss_weights`; default 1 each).
 */
export type DpoLossType = 'sigmoid' | 'robust' | 'hinge' | 'ipo' | 'esm' | 'nll' | 'sft';

export interface DpoConfig extends TrainLoopConfig {
  /** KL strength β of the implicit reward, > 0 (TRL default 0.1). */
  beta: number;
  /** One loss, or a TRL-style list of terms summed with `lossWeights`. */
  lossType: DpoLossType | DpoLossType[];
  /** Weight of each term of a `lossType` list (same length), each >= 0; empty = 1 each. */
  lossWeights: number[];
  /**
   * DPOP (Pal et al. 2024, arXiv 2402.13228) λ >= 0: the preference logits become
   * h/β − λ·max(0, log ref(y_w) − log π(y_w)), so lowering the chosen side's likelihood below the reference costs.
   * TRL has no DPOP. 0 disables.
   */
  dpopLambda: number;
  /**
   * Weight of the first token where chosen and rejected differ in the preference term (the other masked tokens
   * weigh 1), >= 1. A token-level pair's signal sits on that token; TRL has no per-token weighting. 1 disables.
   */
  divergentWeight: number;
  /** Label noise ε for sigmoid (cDPO) and robust, in [0, 0.5). */
  labelSmoothing: number;
  /** esm only: γ, the reward margin asked for per unit of ESM score margin, >= 0. */
  esmGamma: number;
  /**
   * esm only. 'margin' (default): −log σ(h − γΔ). 'weight': Δ·(−log σ(h)) / mean Δ of the batch.
   * Margin is the default because a token-level pair with a small ESM gap (one wrong digit of a value)
   * is still a broken call: a weight would shrink exactly the fine-grained pairs TTPA exists for,
   * while a margin keeps every pair's gradient alive and only asks for more separation on larger gaps.
   */
  esmMode: 'margin' | 'weight';
  /** Count only tokens after the longest common token prefix of chosen and rejected. */
  maskSharedPrefix: boolean;
  /**
   * Count only this many tokens from the first one where chosen and rejected differ in the preference
   * term; 0 = all. The NLL term (rpoAlpha) still covers the whole chosen completion. Why: a token-level
   * pair differs at one token; its tails (closing the call, further calls) are consequences, and pushing
   * the rejected tail down also pushes down the format tokens it shares with every good call. Off by
   * default: on the shipped default at lr >= 5e-4 it did not stop the drift toward refusals (EXPERIMENTS.md,
   * "Choosing the loop's settings on validation"), which comes from the plain-text turns' pairs, not from call tails.
   */
  divergentTokens: number;
  /** RPO (Pang et al. 2024): add α · per-token mean NLL of the chosen completion; 0 disables. */
  rpoAlpha: number;
  /**
   * Weight of the SFT anchor (anchor.ts), >= 0: every micro-batch adds this times the SFT loss of ground-truth
   * samples (the run's anchor data, e.g. the round's prompts with their ground truth) to the preference loss.
   * 0 disables (and the run needs no anchor data). Why: a token-level pair's chosen side starts mid-call, so an
   * NLL term on it never trains whether to call at all, and pairs exist only where the policy errs; both skew
   * the policy (EXPERIMENTS.md's budget sweep: DPO+NLL on pairs alone moved 30.4% -> 51.6% validation error, SFT on the
   * same samples did not). InstructGPT's PPO-ptx mixes pretraining gradients the same way; TRL has no such term.
   */
  anchorWeight: number;
  /**
   * Steps over which the pairs' loss (every lossType term and the RPO term) ramps in linearly, an integer >= 0: at the
   * step that starts with `s` steps done it is scaled by min(1, s / N), so the first step trains the SFT anchor alone
   * and the pairs weigh fully from step N on; the anchor (anchorWeight) is never scaled. 0 (default) = off. Why: on
   * fresh-calls-full seed 3's round-1 replay (validation), TTPA's new misses (tokens the start got right, now missed)
   * peak at step 50, just after the learning rate's peak, 677 turns against the anchor alone's 516, while the anchor
   * alone has no such bump (models/sweeps/round1_k6_seed3_newmiss_by_step.md); a ramp keeps the pairs' push small
   * while the rate is high. TRL has no such field; it is ours.
   */
  pairWarmupSteps: number;
  /**
   * Anchor samples each pair brings to its micro-batch (anchor.ts), an integer >= 0; 0 (default, "auto") =
   * ceil(anchor samples / pairs), one pass over the anchor per pass over the pairs, as every run before this field.
   * Auto ties the anchor's dose to the pair count: a filter that keeps fewer pairs than there are anchor samples
   * doubles it (2,248 pairs against 2,400 samples: 2 a pair; 2,701: 1). On fresh-calls-full's round-1 replay that
   * dose, not the pair kind, separated the pair sets (EXPERIMENTS.md, "The anchor's dose"). A number fixes it, so arms and
   * filters compare at the same anchor rows a step. TRL has no such field; it is ours.
   */
  anchorPerPair: number;
  /**
   * Which pairs the run trains on, read from each pair's `ttpa` metadata (preference/pair_filter.ts): 'all' (default);
   * 'correct-chosen' (the chosen side is an exact call); 'error-fix' (pairs that correct the policy: the ground truth
   * against it, or a branch chosen over its greedy output; not a branch over another branch); 'base-rejected' (error-fix
   * less the truth-walk pairs: every token pair rejects the policy's own decoding of the turn; round 1 of
   * fresh-calls-full seed 1 replayed on 4,841 validation turns: 25.8% against error-fix's 28.5%, 231 / 99 turns,
   * p = 3e-13, the same as sequence DPO's 25.6%); 'one-per-turn' (each turn's largest-margin pair: 25.3% there; the
   * fresh-calls-full loop's test sets, seeds 1-3: 20.4 / 21.5 / 21.0% against error-fix's 24.1 / 24.4 / 23.6%). Those
   * gaps are mostly the anchor's dose, not the pairs: a filter that keeps fewer pairs than anchor samples doubles it
   * at anchorPerPair auto (the anchor alone: 29.6% at 1 a pair, 26.0% at 2; see anchorPerPair);
   * 'in-turn' (pairs that diverge inside an assistant turn, not on whether to call at all). Why: after one SFT round
   * on fresh prompts, an anchored loop round on the error-fixing pairs beat the same round without the preference
   * term on 4,394 held-out turns (126 won, 75 lost, p < 0.001; 81 / 40 on 2,773 others); from the shipped model it
   * did not (EXPERIMENTS.md). TRL has no such field; it is ours. Any value but 'all' needs the metadata that `ttpa pairs` and
   * loop rounds write.
   */
  pairFilter: PairFilter;
  /** Maximum tokens of prompt + completion; longer pairs keep the prompt's end (left truncation). */
  seqLen: number;
  /** Pairs per batch when precomputing reference log-probs, >= 1. */
  refBatchSize: number;
  /** 'full' fine-tuning updates every weight; 'lora' trains adapters only (base stays the reference). */
  adapter: 'full' | 'lora';
  /** LoRA rank r, >= 1. */
  loraRank: number;
  /** LoRA scale numerator α (update = α/r · B·A), > 0. */
  loraAlpha: number;
  /** Suffixes of the Linear weights that get adapters (e.g. q_proj, v_proj). */
  loraTargets: string[];
}

export const DEFAULT_DPO_CONFIG: Readonly<DpoConfig> = Object.freeze({
  ...DEFAULT_TRAIN_LOOP_CONFIG,
  lr: 5e-5,
  warmupSteps: 5,
  steps: 100,
  batchSize: 8,
  weightDecay: 0,
  checkpointEvery: 50,
  beta: 0.1,
  lossType: 'sigmoid' as DpoLossType | DpoLossType[],
  lossWeights: Object.freeze([]) as unknown as number[],
  dpopLambda: 0,
  divergentWeight: 1,
  labelSmoothing: 0,
  esmGamma: 1,
  esmMode: 'margin' as const,
  maskSharedPrefix: false,
  divergentTokens: 0,
  rpoAlpha: 0,
  anchorWeight: 0,
  pairWarmupSteps: 0,
  anchorPerPair: 0,
  pairFilter: 'all' as PairFilter,
  seqLen: 384,
  refBatchSize: 8,
  adapter: 'full' as const,
  loraRank: 8,
  loraAlpha: 16,
  loraTargets: Object.freeze(['q_proj', 'k_proj', 'v_proj', 'o_proj']) as unknown as string[],
});

const LOSS_TYPES: readonly DpoLossType[] = ['sigmoid', 'robust', 'hinge', 'ipo', 'esm', 'nll', 'sft'];

/** The loss terms of a config with their weights: a single lossType is one term of weight 1. */
export function lossTerms(cfg: Pick<DpoConfig, 'lossType' | 'lossWeights'>): { type: DpoLossType; weight: number }[] {
  const types = Array.isArray(cfg.lossType) ? cfg.lossType : [cfg.lossType];
  return types.map((type, i) => ({ type, weight: cfg.lossWeights[i] ?? 1 }));
}

/** Whether the loss has a preference term (anything but the NLL-only 'nll' / 'sft'). */
export const hasPreferenceTerm = (cfg: Pick<DpoConfig, 'lossType' | 'lossWeights'>): boolean => lossTerms(cfg).some((t) => t.type !== 'nll' && t.type !== 'sft');

/** The pairs' loss scale at the step that starts with `step` steps done (pairWarmupSteps): min(1, step / N), 1 when off. */
export function pairLossScale(cfg: Pick<DpoConfig, 'pairWarmupSteps'>, step: number): number {
  return cfg.pairWarmupSteps > 0 ? Math.min(1, step / cfg.pairWarmupSteps) : 1;
}

export function resolveDpoConfig(overrides: Partial<DpoConfig> = {}): DpoConfig {
  const cfg = resolveTrainLoop('dpo', DEFAULT_DPO_CONFIG, overrides);
  const fail = (key: keyof DpoConfig, rule: string): never => {
    throw new Error(`dpo.${key} ${rule}, got ${JSON.stringify(cfg[key])}`);
  };
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!isNum(cfg.beta) || cfg.beta <= 0) fail('beta', 'must be > 0');
  const types = Array.isArray(cfg.lossType) ? cfg.lossType : [cfg.lossType];
  if (types.length === 0 || types.some((t) => !LOSS_TYPES.includes(t))) fail('lossType', `must be one of ${LOSS_TYPES.join(', ')} or a non-empty list of them`);
  if (new Set(types).size !== types.length) fail('lossType', 'must not name a term twice');
  if (!Array.isArray(cfg.lossType) && cfg.lossType === 'sft') fail('lossType', "'sft' is a term of a list (e.g. [\"sigmoid\", \"sft\"]); alone, use 'nll'");
  if (Array.isArray(cfg.lossType) && types.includes('nll')) fail('lossType', "'nll' stands alone; in a list the NLL term is 'sft'");
  if (!Array.isArray(cfg.lossWeights) || (cfg.lossWeights.length > 0 && cfg.lossWeights.length !== types.length) || cfg.lossWeights.some((w) => !isNum(w) || w < 0)) {
    fail('lossWeights', `must be empty or ${types.length} numbers >= 0 (one per lossType term)`);
  }
  if (!isNum(cfg.dpopLambda) || cfg.dpopLambda < 0) fail('dpopLambda', 'must be >= 0');
  if (!isNum(cfg.divergentWeight) || cfg.divergentWeight < 1) fail('divergentWeight', 'must be >= 1');
  if (!isNum(cfg.labelSmoothing) || cfg.labelSmoothing < 0 || cfg.labelSmoothing >= 0.5) fail('labelSmoothing', 'must be in [0, 0.5)');
  if (!isNum(cfg.esmGamma) || cfg.esmGamma < 0) fail('esmGamma', 'must be >= 0');
  if (cfg.esmMode !== 'margin' && cfg.esmMode !== 'weight') fail('esmMode', "must be 'margin' or 'weight'");
  if (typeof cfg.maskSharedPrefix !== 'boolean') fail('maskSharedPrefix', 'must be a boolean');
  if (!Number.isInteger(cfg.divergentTokens) || cfg.divergentTokens < 0) fail('divergentTokens', 'must be an integer >= 0');
  if (!isNum(cfg.rpoAlpha) || cfg.rpoAlpha < 0) fail('rpoAlpha', 'must be >= 0');
  if (!isNum(cfg.anchorWeight) || cfg.anchorWeight < 0) fail('anchorWeight', 'must be >= 0');
  if (!Number.isInteger(cfg.pairWarmupSteps) || cfg.pairWarmupSteps < 0) fail('pairWarmupSteps', 'must be an integer >= 0 (0 = off)');
  if (!Number.isInteger(cfg.anchorPerPair) || cfg.anchorPerPair < 0) fail('anchorPerPair', 'must be an integer >= 0 (0 = auto: ceil(anchor samples / pairs))');
  if (!isPairFilter(cfg.pairFilter)) fail('pairFilter', `must be one of ${PAIR_FILTERS.join(', ')}`);
  if (cfg.lossType === 'nll' && cfg.rpoAlpha === 0) fail('rpoAlpha', "must be > 0 with lossType 'nll' (its only term)");
  if (!Number.isInteger(cfg.seqLen) || cfg.seqLen < 4) fail('seqLen', 'must be an integer >= 4');
  if (!Number.isInteger(cfg.refBatchSize) || cfg.refBatchSize < 1) fail('refBatchSize', 'must be an integer >= 1');
  if (cfg.adapter !== 'full' && cfg.adapter !== 'lora') fail('adapter', "must be 'full' or 'lora'");
  if (!Number.isInteger(cfg.loraRank) || cfg.loraRank < 1) fail('loraRank', 'must be an integer >= 1');
  if (!isNum(cfg.loraAlpha) || cfg.loraAlpha <= 0) fail('loraAlpha', 'must be > 0');
  if (!Array.isArray(cfg.loraTargets) || cfg.loraTargets.length === 0 || cfg.loraTargets.some((t) => typeof t !== 'string' || !t)) {
    fail('loraTargets', 'must be a non-empty list of weight-name suffixes');
  }
  return { ...cfg, lossType: Array.isArray(cfg.lossType) ? [...cfg.lossType] : cfg.lossType, lossWeights: [...cfg.lossWeights], loraTargets: [...cfg.loraTargets] };
}
