// The Evaluate panel's headroom line: pass@k of the current model on the test conversations (core pass_at_k.ts,
// as `ttpa eval --pass-at-k` and the loop's headroom stages measure it), stoppable between turns.
import { passAtK, type PassAtK } from '../src/core/pipeline/pass_at_k.ts';
import type { PassAtKRequest } from '../src/protocol.ts';
import type { Job } from './job.ts';
import type { Session } from './model_session.ts';
import { resolveStageConfig } from './stage_config.ts';

export async function passAtKJob(session: Session, request: PassAtKRequest, job: Job): Promise<PassAtK | undefined> {
  const { passAtK: k, passTemperature, maxNewTokens, seed } = resolveStageConfig('evaluate', request.config) as { passAtK: number; passTemperature: number; maxNewTokens: number; seed: number };
  if (k < 1) throw new Error('evaluate.passAtK is 0: set the samples a turn (e.g. 8) to measure pass@k');
  if (!request.samples.length) throw new Error('pass@k: no samples to measure');
  const label = request.label ? `${request.label}: ` : '';
  const res = await passAtK(session.model, session.tokenizer, request.samples, {
    k, temperature: passTemperature, maxNewTokens, seed,
    shouldStop: () => job.shouldStop(),
    onProgress: (done, total) => {
      job.setTotal(total);
      job.report(done, {}, `${label}pass@${k}, turn ${done}/${total}`);
    },
  });
  return job.stopped ? undefined : res;
}
