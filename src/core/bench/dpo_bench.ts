// The DPO section: reference log-probs computed once up front (timed on their own), then timed DPO
// steps through the real trainer (runDpo) on random pairs that share their prompt and diverge in the completion.
import { disposeModel } from '../model/params.ts';
import { commonPrefix, type EncodedPair } from '../train/dpo_data.ts';
import { resolveDpoConfig } from '../train/dpo_config.ts';
import { runDpo } from '../train/dpo.ts';
import { computeReferenceLogps } from '../train/reference.ts';
import type { BenchConfig } from './config.ts';
import { createBenchModel, randomTokens } from './models.ts';
import { median, sig, timeMs } from './timing.ts';

export interface DpoFigures {
  batchSize: number;
  promptLen: number;
  completionLen: number;
  pairsPerSec: number;
  stepMs: number;
  /** The one-off reference pass over the same pairs. */
  referencePairsPerSec: number;
}

function randomPairs(vocab: number, cfg: BenchConfig, n: number): EncodedPair[] {
  const prompts = randomTokens(vocab, n, cfg.dpoPromptLen, 5);
  const chosen = randomTokens(vocab, n, cfg.dpoCompletionLen, 6);
  const rejected = randomTokens(vocab, n, cfg.dpoCompletionLen, 7);
  return prompts.map((prompt, i) => ({ prompt, chosen: chosen[i], rejected: rejected[i], sharedPrefix: commonPrefix(chosen[i], rejected[i]), scoreMargin: 0.5 }));
}

export async function benchDpo(cfg: BenchConfig): Promise<DpoFigures> {
  const model = createBenchModel(cfg.sftModels[0]);
  try {
    const steps = cfg.dpoSteps + 1;
    const pairs = randomPairs(model.config.vocab_size, cfg, cfg.dpoBatchSize * steps);
    const refMs = await timeMs(() => computeReferenceLogps(model, pairs, { batchSize: cfg.dpoBatchSize, padTokenId: 0 }));
    const config = resolveDpoConfig({
      steps, batchSize: cfg.dpoBatchSize, seqLen: cfg.dpoPromptLen + cfg.dpoCompletionLen, warmupSteps: 0, checkpointEvery: 0,
    });
    const stepMs: number[] = [];
    await runDpo({
      policy: { params: model.params, model: () => model }, data: pairs, config, padTokenId: 0, modelFiles: async () => ({}),
      hooks: { onStep: (m) => { if (m.step > 1) stepMs.push(m.step_ms); } },
    });
    const ms = median(stepMs);
    return {
      batchSize: cfg.dpoBatchSize, promptLen: cfg.dpoPromptLen, completionLen: cfg.dpoCompletionLen,
      pairsPerSec: sig(cfg.dpoBatchSize / (ms / 1000)), stepMs: sig(ms), referencePairsPerSec: sig(pairs.length / (refMs / 1000)),
    };
  } finally {
    disposeModel(model);
  }
}
