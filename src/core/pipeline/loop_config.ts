// The update loop's configuration (a preset's `loop` section): rounds of on-policy data and updates, which arms
// run beside TTPA, which reference each round uses, and how the final model of an arm is chosen.
// Plain JSON, validated here naming the bad field; the loop itself is loop.ts.

/** The arms of a loop; each is its own policy, updated every round on the same prompts with the same step budget. */
export type ArmName = 'ttpa' | 'control' | 'rft' | 'sft-continued' | 'sequence';
/** The loop issue's goal: TTPA cuts the starting model's error by this much, relative. */
export const GOAL_RELATIVE_CUT = 0.3;

export const ARM_NAMES: readonly ArmName[] = ['ttpa', 'control', 'rft', 'sft-continued', 'sequence'];

/** What each arm trains on, for reports and docs. */
export const ARM_DESCRIPTIONS: Record<ArmName, string> = {
  ttpa: 'token-level pairs from its own policy (branching at divergence points, ESM-scored), DPO loss',
  control: 'the same token-level pairs from its own policy, the chosen side\'s NLL alone (no preference term)',
  rft: 'rejection-sampling fine-tuning: SFT on the ESM-best of n samples per turn, the ground truth when none reaches the threshold (on text turns, where the scorer checks only that no call is made, the ground truth unless a sample is its text; with loop.rftAnchor also the DPO arms\' SFT anchor rows)',
  'sft-continued': 'SFT on the ground truth of the same turns (with dpo.anchorWeight > 0: the SFT anchor alone, the TTPA arm\'s run with every preference term weighted 0, its own on-policy pairs only setting the schedule and the anchor rows per step)',
  sequence: 'sequence-level pairs (best vs worst of n whole samples) from its own policy, DPO loss',
};

export interface LoopConfig {
  /** Rounds of (decode with the current policy -> build data -> update); 0 = the single-round pipeline. */
  rounds: number;
  /** Train samples drawn per round; rounds never share a sample (a seeded shuffle of the train split, cut in slices). */
  promptsPerRound: number;
  /**
   * Train samples of a shared warm-up round before the arms split, 0 = none: the starting model continues SFT on
   * their ground truth with the pipeline's `sft` settings, and every arm starts from the result. They are the first
   * slice of the shuffle, so no round draws them again. Why: from the shipped model the preference term did not help
   * in round 1 but did from round 2 on (EXPERIMENTS.md, "Rounds on fresh, leak-free prompts").
   */
  warmupSamples: number;
  /** Arms to run; 'ttpa' always runs. */
  arms: ArmName[];
  /**
   * DPO arms' reference model: 'round' = the policy the round starts from (Iterative RPO), 'start' = the starting
   * SFT model every round (a fixed anchor).
   */
  reference: 'round' | 'start';
  /** Which round's model is the arm's final model: the last, or the one with the lowest validation error. */
  select: 'last' | 'best-val';
  /**
   * KL limit of the DPO arms' rounds (nats per token on the chosen tokens, median of 5 steps; train/guard.ts), > 0.
   * Not part of a round's identity: it only stops a run. When the guard read both sides, at lr 1e-3 single batches'
   * KL spiked past 1,000 while the loss and logps stayed healthy (the k3 estimate, e^r - 1 - r, on rejected tokens
   * DPO lowers on purpose), so the fresh-rounds presets lift it. A run that trains no pair has no limit (train/dpo.ts).
   */
  maxKl: number;
  /** Validation samples evaluated after every round (0 = the whole split). */
  valLimit: number;
  /** RFT: samples per turn (>= 2), their temperature (> 0), and the ESM a sample needs to be the target (in [0, 1]). */
  rftSamples: number;
  rftTemperature: number;
  rftThreshold: number;
  /**
   * RFT with the DPO arms' SFT anchor (dpo.anchorWeight > 0): each step also trains the same ground-truth rows of the
   * round's prompts as TTPA's step, at the same weight, so RFT against TTPA differs in its targets alone. Without it
   * (the default, and how RFT ran before it existed) RFT trains its targets only while the anchored arms get the
   * anchor too: a weaker arm than the issue's strong baseline.
   */
  rftAnchor: boolean;
  /** pass@k of the starting model on the test turns, the headroom line; 0 skips it. */
  passAtK: number;
  /** Test samples pass@k is measured on (0 = all); temperature of its samples (> 0). */
  passAtKLimit: number;
  passAtKTemperature: number;
  /**
   * Also measure pass@k (the same samples, seed and settings) for the arms' origin (the warm-up round's model) and every
   * arm's final model: how many of the turns a model still gets wrong its own samples can get right, the on-policy
   * signal left for another round. One sampling pass over passAtKLimit test samples per model.
   */
  passAtKAllModels: boolean;
  /**
   * Also read every final model (and the arms' origin) at a call-or-answer threshold set on validation
   * (calibrate_stage.ts): the bias on `<tool_call>`'s first-step log-prob with the lowest error on the validation
   * split plus the train samples no round drew, then the test set at that bias, so the report can tell a lead in the
   * calls from a shift of the threshold (EXPERIMENTS.md, "The call-or-answer threshold"). Costs one greedy decoding of both
   * sets per model, plus the turns within calibrateSpan decoded the other way.
   */
  calibrate: boolean;
  /**
   * At most this many samples to choose the bias on, the validation split first, then the unused train samples (0 = all:
   * a preset whose rounds draw few of many train samples leaves thousands unused, each decoded once per model).
   */
  calibrateSamples: number;
  /** Largest |bias| tried, in nats (>= 0), and the distance between the biases tried (> 0). */
  calibrateSpan: number;
  calibrateStep: number;
}

export const DEFAULT_LOOP_CONFIG: Readonly<LoopConfig> = Object.freeze({
  rounds: 0,
  promptsPerRound: 200,
  warmupSamples: 0,
  arms: Object.freeze(['ttpa', 'control']) as unknown as ArmName[],
  reference: 'round' as const,
  select: 'last' as const,
  maxKl: 10,
  valLimit: 0,
  rftSamples: 4,
  rftTemperature: 1,
  rftThreshold: 1,
  rftAnchor: false,
  passAtK: 0,
  passAtKLimit: 0,
  passAtKTemperature: 0.7,
  passAtKAllModels: false,
  calibrate: false,
  calibrateSamples: 0,
  calibrateSpan: 4,
  calibrateStep: 0.25,
});

export function resolveLoopConfig(overrides: unknown = {}): LoopConfig {
  if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) throw new Error(`pipeline.loop must be an object, got ${JSON.stringify(overrides)}`);
  for (const k of Object.keys(overrides)) if (!(k in DEFAULT_LOOP_CONFIG)) throw new Error(`pipeline.loop.${k} is not a known setting`);
  const cfg = { ...DEFAULT_LOOP_CONFIG, ...overrides } as LoopConfig;
  const fail = (k: keyof LoopConfig, rule: string): never => {
    throw new Error(`pipeline.loop.${k} ${rule}, got ${JSON.stringify(cfg[k])}`);
  };
  const int = (k: keyof LoopConfig, min: number): void => {
    if (!Number.isInteger(cfg[k]) || (cfg[k] as number) < min) fail(k, `must be an integer >= ${min}`);
  };
  const num = (k: keyof LoopConfig, ok: (v: number) => boolean, rule: string): void => {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) fail(k, rule);
  };
  int('rounds', 0);
  int('promptsPerRound', 1);
  int('warmupSamples', 0);
  int('valLimit', 0);
  int('rftSamples', 2);
  int('passAtK', 0);
  if (cfg.passAtK === 1) fail('passAtK', 'must be 0 (off) or >= 2 (samples a turn; pass@1 is read from the k samples)');
  int('passAtKLimit', 0);
  int('calibrateSamples', 0);
  num('rftTemperature', (v) => v > 0, 'must be > 0');
  num('passAtKTemperature', (v) => v > 0, 'must be > 0');
  num('maxKl', (v) => v > 0, 'must be > 0');
  num('rftThreshold', (v) => v >= 0 && v <= 1, 'must be in [0, 1]');
  num('calibrateSpan', (v) => v >= 0, 'must be >= 0');
  num('calibrateStep', (v) => v > 0, 'must be > 0');
  if (typeof cfg.calibrate !== 'boolean') fail('calibrate', 'must be true or false');
  if (typeof cfg.passAtKAllModels !== 'boolean') fail('passAtKAllModels', 'must be true or false');
  if (cfg.passAtKAllModels && cfg.passAtK === 0) fail('passAtKAllModels', 'needs passAtK > 0 (the k every model is sampled with)');
  if (!Array.isArray(cfg.arms) || cfg.arms.some((a) => !ARM_NAMES.includes(a)) || new Set(cfg.arms).size !== cfg.arms.length) {
    fail('arms', `must be a list of distinct arms from ${ARM_NAMES.join(', ')}`);
  }
  if (typeof cfg.rftAnchor !== 'boolean') fail('rftAnchor', 'must be true or false');
  if (cfg.reference !== 'round' && cfg.reference !== 'start') fail('reference', "must be 'round' or 'start'");
  if (cfg.select !== 'last' && cfg.select !== 'best-val') fail('select', "must be 'last' or 'best-val'");
  const arms = ARM_NAMES.filter((a) => a === 'ttpa' || cfg.arms.includes(a));
  return { ...cfg, arms };
}
