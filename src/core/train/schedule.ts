// Learning-rate schedule: linear warmup to the peak, then cosine decay to lr * lrMinRatio.
// A pure function of the step, so a resumed run recomputes the same rates; no state.

export interface ScheduleConfig {
  lr: number;
  lrMinRatio: number;
  warmupSteps: number;
  steps: number;
}

/**
 * Rate for optimizer step `step` (0-based, the step about to be applied). Warmup gives
 * lr * (step + 1) / warmupSteps, so the first update is not wasted at rate 0 and step
 * warmupSteps - 1 is at the peak; the cosine then runs from lr at step warmupSteps to exactly
 * lr * lrMinRatio at the last step (steps - 1). Steps past the end stay at the minimum.
 */
export function learningRate(step: number, cfg: ScheduleConfig): number {
  const lrMin = cfg.lr * cfg.lrMinRatio;
  if (step < cfg.warmupSteps) return (cfg.lr * (step + 1)) / cfg.warmupSteps;
  const decaySteps = cfg.steps - cfg.warmupSteps - 1;
  if (decaySteps <= 0) return cfg.lr;
  const progress = Math.min(1, (step - cfg.warmupSteps) / decaySteps);
  return lrMin + 0.5 * (cfg.lr - lrMin) * (1 + Math.cos(Math.PI * progress));
}
