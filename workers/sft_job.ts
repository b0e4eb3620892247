// The SFT stage in the engine: encode samples with the session's tokenizer, run core's SFT trainer on
// the session's model in place, report loss/lr/grad-norm per step, checkpoint into the store.
import type { SftConfig } from '../src/core/train/config.ts';
import { modelPolicy } from '../src/core/train/policy.ts';
import { sftReplicaSpec } from '../src/core/train/replica.ts';
import { runSft } from '../src/core/train/sft.ts';
import { encodeSamples } from '../src/core/train/sft_data.ts';
import type { CheckpointInfo, SftRequest, TrainResultSummary } from '../src/protocol.ts';
import type { CheckpointStore } from './checkpoint_store.ts';
import type { Job } from './job.ts';
import { sessionFiles, type Session } from './model_session.ts';
import { splitSftConfig } from './stage_config.ts';
import { resumeState, trainerHooks, type RunReplicas } from './train_run.ts';

export async function sftJob(session: Session, request: SftRequest, job: Job, store: CheckpointStore, replicasFor: (count: number) => RunReplicas): Promise<TrainResultSummary> {
  const split = splitSftConfig(request.config);
  const config: SftConfig = split.sft;
  const replicas = replicasFor(split.replicas);
  const encoded = encodeSamples(request.samples, session.tokenizer, { seqLen: config.seqLen, trainOn: config.trainOn });
  if (!encoded.samples.length) throw new Error(`sft: none of the ${request.samples.length} samples has a trained token within seqLen ${config.seqLen}`);
  job.setTotal(config.steps);
  const resume = request.resumeFrom ? resumeState(await store.get(request.resumeFrom)) : undefined;
  const saved: CheckpointInfo[] = [];
  const run = { runId: request.runId, stage: 'sft' as const, total: config.steps, modelName: session.info.name };
  const policy = modelPolicy(session.model, config, session.info.name); // the memory plan refuses before replicas start
  const pool = replicas.start && await replicas.start(await sftReplicaSpec(session.model, { data: encoded.samples, config, padTokenId: session.tokenizer.padTokenId }));
  const result = await runSft({
    policy,
    replicas: pool,
    data: encoded.samples,
    config,
    padTokenId: session.tokenizer.padTokenId,
    modelFiles: () => sessionFiles(session, { 'ttpa_run.json': { runId: request.runId, stage: 'sft', config } }),
    resume,
    hooks: {
      ...trainerHooks(job, store, run, saved),
      onStep: (m) => job.report(m.step, { loss: m.loss, lr: m.lr, grad_norm: m.grad_norm, tokens_per_sec: m.tokens_per_sec }),
    },
  }).finally(() => pool?.close());
  job.flush();
  return {
    outcome: result.stopped ? 'stopped' : 'done',
    step: result.state.step,
    total: config.steps,
    losses: result.losses,
    checkpointId: saved[saved.length - 1]?.id,
    config: { replicas: split.replicas, ...config },
    notes: [
      `${encoded.samples.length} samples encoded` +
      (encoded.truncated ? `, ${encoded.truncated} truncated to ${config.seqLen} tokens` : '') +
      (encoded.dropped ? `, ${encoded.dropped} dropped (no trained token)` : ''),
      ...[replicas.note()].filter((n) => n !== undefined),
    ],
  };
}
