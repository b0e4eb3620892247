// Adapts the model engine's Model to the trainers' TrainablePolicy (variables + differentiable log-probs),
// with the SFT step planned first (runtime/memory_plan.ts). Which parameters train (frozen base, LoRA) is
// decided by the variables' `trainable` flag, not here.
import { tokenLogProbs } from '../model/logprobs.ts';
import type { Model } from '../model/params.ts';
import { planTrainingStep } from '../runtime/memory_plan.ts';
import { tf } from '../runtime/tf.ts';
import type { SftConfig } from './config.ts';
import type { TrainablePolicy } from './sft.ts';

/**
 * The model as an SFT policy for `config`'s micro-batch (batchSize × seqLen, plus `anchorRows` SFT anchor sequences
 * when the run has an anchor: sft.ts's run.anchor). Refuses up front (MemoryPlanError: why, and what fits) a step
 * that cannot fit the backend's memory, and recomputes each layer in the backward pass when
 * config.gradientCheckpointing is 'on', or 'auto' and the step does not fit without it.
 */
export function modelPolicy(model: Model, config: Pick<SftConfig, 'seqLen' | 'batchSize' | 'gradientCheckpointing'>, name?: string, anchorRows = 0): TrainablePolicy {
  const task = { kind: 'sft', seqLen: config.seqLen, batch: config.batchSize, anchorRows } as const;
  const { checkpointing } = planTrainingStep(model.config, task, tf.getBackend(), config.gradientCheckpointing, name);
  return {
    params: model.params,
    tokenLogProbs: (inputIds, targetIds, attentionMask) => tokenLogProbs(model, inputIds, targetIds, { attentionMask, checkpoint: checkpointing }),
  };
}
