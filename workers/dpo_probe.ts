// The classroom's "one DPO update on this pair": p(chosen) and p(rejected) at the first token where they
// differ, and their completions' log-probabilities, before and after one optimizer step on that pair alone.
// The step runs on a copy of the model; the engine's model is never changed.
import { disposeModel, type Model } from '../src/core/model/params.ts';
import { tf } from '../src/core/runtime/tf.ts';
import { checkpointFiles, loadCheckpoint } from '../src/core/runtime/checkpoint.ts';
import { memorySource } from '../src/core/runtime/file_source.ts';
import { pairToTrl } from '../src/core/preference/trl_export.ts';
import { resolveDpoConfig, type DpoConfig } from '../src/core/train/dpo_config.ts';
import { disposeDpoBatch, encodePairs, makeDpoBatch, type EncodedPair } from '../src/core/train/dpo_data.ts';
import { pairLogps } from '../src/core/train/dpo_logps.ts';
import { recordMargin, runDpoJob } from '../src/core/train/dpo_run.ts';
import type { PairProbeRequest, PairProbeResult, PairProbeSide } from '../src/protocol.ts';
import type { Session } from './model_session.ts';
import { TUNED } from './stage_config.ts';

export async function probePairUpdate(session: Session, request: PairProbeRequest): Promise<PairProbeResult> {
  const config: DpoConfig = resolveDpoConfig({
    ...(TUNED.dpo as Partial<DpoConfig>), ...(request.config as Partial<DpoConfig>),
    steps: 1, batchSize: 1, gradAccumSteps: 1, warmupSteps: 0, checkpointEvery: 0, adapter: 'full', anchorWeight: 0, pairFilter: 'all', // that pair alone
  });
  const record = pairToTrl(request.pair);
  const enc = encodePairs([record], [recordMargin(record)], session.tokenizer, config.seqLen);
  const pair = enc.pairs[0];
  if (!pair) throw new Error('this pair does not fit the model\'s sequence length');
  const before = measure(session.model, pair, session.tokenizer.padTokenId);
  const copy = (await loadCheckpoint(memorySource('probe', await checkpointFiles(session.model, session.tokenizer)))).model;
  try {
    const trained = await runDpoJob({ model: copy, tokenizer: session.tokenizer, records: [record], config, modelFiles: async () => ({}) });
    const after = measure(trained.model, pair, session.tokenizer.padTokenId);
    const loss = trained.result.losses[0];
    if (trained.model !== copy) disposeModel(trained.model);
    return { before, after, lr: config.lr, beta: config.beta, loss, divergentToken: pair.sharedPrefix };
  } finally {
    disposeModel(copy);
  }
}

/** p of each side's first divergent token and each completion's summed log-probability under `model`. */
function measure(model: Model, pair: EncodedPair, padTokenId: number): { chosen: PairProbeSide; rejected: PairProbeSide } {
  const batch = makeDpoBatch([pair], padTokenId, false);
  try {
    const t = tf.tidy(() => pairLogps(model, batch, { frozen: true })); // [2, C]
    const logps = t.arraySync();
    t.dispose();
    const side = (row: number[], ids: number[]): PairProbeSide => ({
      tokenProb: Math.exp(row[pair.sharedPrefix] ?? -Infinity),
      logp: row.slice(0, ids.length).reduce((s, v) => s + v, 0),
    });
    return { chosen: side(logps[0], pair.chosen), rejected: side(logps[1], pair.rejected) };
  } finally {
    disposeDpoBatch(batch);
  }
}
