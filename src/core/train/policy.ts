// Adapts the model engine's Model to the trainers' TrainablePolicy (variables + differentiable log-probs).
// Nothing else: which parameters train (frozen base, LoRA) is decided by the variables' `trainable` flag.
import { tokenLogProbs } from '../model/logprobs.ts';
import type { Model } from '../model/params.ts';
import type { TrainablePolicy } from './sft.ts';

export function modelPolicy(model: Model): TrainablePolicy {
  return {
    params: model.params,
    tokenLogProbs: (inputIds, targetIds, attentionMask) => tokenLogProbs(model, inputIds, targetIds, { attentionMask }),
  };
}
